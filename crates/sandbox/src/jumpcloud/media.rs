//! Answers of the operations whose specs declare a media type other than JSON: each gets a body
//! of its declared kind, not a placeholder — a PNG logo, a PEM certificate, a PDF invoice, an
//! Apple configuration profile, a property list.

use std::sync::OnceLock;

/// A 1×1 transparent PNG.
const PNG: [u8; 68] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0b, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x00, 0x02, 0x00,
    0x00, 0x05, 0x00, 0x01, 0x7a, 0x5e, 0xab, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
    0xae, 0x42, 0x60, 0x82,
];

/// The media type and body of a binary answer, by operation id.
pub(super) fn binary(op_id: &str) -> (&'static str, Vec<u8>) {
    match op_id {
        // The spec allows gif, jpeg and png; the sandbox's logos are PNGs.
        "logos_get" => ("image/png", PNG.to_vec()),
        "applemdms_depkeyget" => ("application/x-pem-file", certificate().as_bytes().to_vec()),
        "providers_retrieveInvoice" => ("application/pdf", pdf("idm sandbox invoice")),
        "applemdms_enrollmentprofilesget" => (
            "application/x-apple-aspen-config",
            plist(&[
                ("PayloadDisplayName", "idm sandbox MDM enrollment"),
                ("PayloadIdentifier", "com.jumpcloud.sandbox.enrollment"),
                ("PayloadType", "Configuration"),
                ("PayloadUUID", "5F00B90E-0000-4000-8000-000000000001"),
            ])
            .into_bytes(),
        ),
        // `applemdms_csrget`: a signed CSR, delivered as a property list.
        _ => (
            "application/octet-stream",
            plist(&[
                ("PushCertCertificateChain", "idm sandbox"),
                (
                    "PushCertRequestCSR",
                    "TUlJQ0lqQU5CZ2txaGtpRzl3MEJBUUVGQUFPQ0FnOEFNSUlDQ2dLQ0FnRUFpZG0tc2FuZGJveA==",
                ),
                ("PushCertSignature", "aWRtLXNhbmRib3g="),
            ])
            .into_bytes(),
        ),
    }
}

/// A self-signed certificate in PEM, made once per process.
fn certificate() -> &'static str {
    static PEM: OnceLock<String> = OnceLock::new();
    PEM.get_or_init(|| {
        rcgen::KeyPair::generate()
            .and_then(|key| {
                rcgen::CertificateParams::new(vec!["mdm.jumpcloud.sandbox".to_owned()])?
                    .self_signed(&key)
            })
            .map(|c| c.pem())
            // Generating a key does not fail in practice; a PEM header alone still tells the type.
            .unwrap_or_else(|_| "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n".into())
    })
}

/// An XML property list of string keys.
fn plist(entries: &[(&str, &str)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n",
    );
    for (k, v) in entries {
        out.push_str(&format!("  <key>{k}</key>\n  <string>{v}</string>\n"));
    }
    out.push_str("</dict>\n</plist>\n");
    out
}

/// A one-page PDF showing `text`, with a correct cross-reference table.
fn pdf(text: &str) -> Vec<u8> {
    let stream = format!("BT /F1 18 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for off in offsets {
        out.push_str(&format!("{off:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_body_is_of_its_kind() {
        let (t, png) = binary("logos_get");
        assert_eq!((t, &png[1..4]), ("image/png", &b"PNG"[..]));
        let (t, pem) = binary("applemdms_depkeyget");
        assert_eq!(t, "application/x-pem-file");
        let pem = String::from_utf8(pem).unwrap();
        assert!(
            pem.starts_with("-----BEGIN CERTIFICATE-----\n") && pem.len() > 300,
            "{pem}"
        );
        let (t, pdf) = binary("providers_retrieveInvoice");
        assert_eq!(t, "application/pdf");
        let text = String::from_utf8(pdf).unwrap();
        assert!(text.starts_with("%PDF-1.4") && text.ends_with("%%EOF\n"));
        // Every offset in the cross-reference table points at its object.
        let xref = text.find("xref\n").unwrap();
        for (i, line) in text[xref..].lines().skip(3).take(5).enumerate() {
            let off: usize = line[..10].parse().unwrap();
            assert!(
                text[off..].starts_with(&format!("{} 0 obj", i + 1)),
                "{line}"
            );
        }
        let start: usize = text.lines().rev().nth(1).unwrap().parse().unwrap();
        assert_eq!(start, xref);
        let (t, profile) = binary("applemdms_enrollmentprofilesget");
        assert_eq!(t, "application/x-apple-aspen-config");
        assert!(
            String::from_utf8(profile)
                .unwrap()
                .contains("<plist version=\"1.0\">")
        );
    }
}
