//! The CSV directory connector: user-sync's `connector-csv.yml` columns, one user per row.
//!
//! As user-sync: the first row names the columns; the delimiter is `,` for a `.csv` file and a
//! tab otherwise unless `delimiter` says; a row without a valid email or with an unknown
//! identity type is reported with its file and line and skipped; rows with one email make one
//! user (their groups added up). Unlike user-sync, a UTF-8 byte-order mark is skipped, and
//! values and the names in the groups column are trimmed (`"A, B"` is `A` and `B`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use umapi::IdentityType;

use crate::model::{DirectoryUser, normalize, parse_identity_type};

/// The column names and defaults of `connector-csv.yml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// The field delimiter; `None`: `,` for a `.csv` file, a tab otherwise.
    pub delimiter: Option<u8>,
    /// `email_column_name`.
    pub email: String,
    /// `first_name_column_name`.
    pub firstname: String,
    /// `last_name_column_name`.
    pub lastname: String,
    /// `country_column_name`.
    pub country: String,
    /// `groups_column_name`.
    pub groups: String,
    /// `identity_type_column_name`.
    pub identity_type: String,
    /// `username_column_name`.
    pub username: String,
    /// `domain_column_name`.
    pub domain: String,
    /// The identity type of a row without one (`user_identity_type`, else the main
    /// configuration's `directory_users.user_identity_type`, else `enterpriseID`).
    pub default_identity_type: IdentityType,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: None,
            email: "email".into(),
            firstname: "firstname".into(),
            lastname: "lastname".into(),
            country: "country".into(),
            groups: "groups".into(),
            identity_type: "type".into(),
            username: "username".into(),
            domain: "domain".into(),
            default_identity_type: IdentityType::EnterpriseId,
        }
    }
}

/// The users of a CSV file, and what was wrong with the rows that were skipped.
#[derive(Debug, Clone, Default)]
pub struct CsvDirectory {
    /// The users, in the order of their first row.
    pub users: Vec<DirectoryUser>,
    /// One line per skipped row or unknown column, naming the file and line.
    pub warnings: Vec<String>,
}

/// A CSV file that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// The file cannot be opened or read.
    #[error("cannot read the directory file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not UTF-8 or is not CSV.
    #[error("{}: {detail}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line.
        detail: String,
    },
}

/// Reads the users of a CSV file.
pub fn read(path: &Path, options: &CsvOptions) -> Result<CsvDirectory, CsvError> {
    let bytes = std::fs::read(path).map_err(|source| CsvError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &bytes, options)
}

/// Parses CSV text (`path` names it in messages and chooses the default delimiter).
pub fn parse(path: &Path, bytes: &[u8], options: &CsvOptions) -> Result<CsvDirectory, CsvError> {
    let bytes = without_bom(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        return Err(CsvError::Format {
            path: path.to_owned(),
            detail: format!("line {line} is not UTF-8; save the file as UTF-8 (only utf8 is read)"),
        });
    }
    let mut reader = reader(path, bytes, options.delimiter);
    let shown = path.display().to_string();
    let format_error = |e: csv::Error| CsvError::Format {
        path: path.to_owned(),
        detail: match e.position() {
            Some(p) => format!("line {}: {e}", p.line()),
            None => e.to_string(),
        },
    };
    let headers = reader.headers().map_err(format_error)?.clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let cols = Columns {
        email: column(&options.email),
        firstname: column(&options.firstname),
        lastname: column(&options.lastname),
        country: column(&options.country),
        groups: column(&options.groups),
        identity_type: column(&options.identity_type),
        username: column(&options.username),
        domain: column(&options.domain),
    };
    let mut out = CsvDirectory::default();
    let known = [
        &options.email,
        &options.firstname,
        &options.lastname,
        &options.country,
        &options.groups,
        &options.identity_type,
        &options.username,
        &options.domain,
    ];
    let unknown: Vec<&str> = headers
        .iter()
        .filter(|h| !known.iter().any(|k| k.as_str() == h.trim()))
        .collect();
    if !unknown.is_empty() {
        out.warnings.push(format!(
            "{shown}: unrecognized column names: {}",
            unknown.join(", ")
        ));
    }
    if cols.email.is_none() {
        return Err(CsvError::Format {
            path: path.to_owned(),
            detail: format!(
                "no {:?} column in the first line ({}); name the email column there, or set email_column_name in connector-csv.yml",
                options.email,
                headers.iter().collect::<Vec<_>>().join(", ")
            ),
        });
    }
    let mut by_email: HashMap<String, usize> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(format_error)?;
        let line = record.position().map_or(0, |p| p.line());
        let origin = format!("{shown}:{line}");
        let get = |c: Option<usize>| {
            c.and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let Some(email) = get(cols.email).filter(|e| e.contains('@')) else {
            out.warnings
                .push(format!("{origin}: missing or invalid email; row skipped"));
            continue;
        };
        let identity_type = match get(cols.identity_type) {
            Some(t) => match parse_identity_type(t) {
                Some(t) => t,
                None => {
                    out.warnings.push(format!(
                        "{origin}: unrecognized identity type {t:?} (adobeID, enterpriseID or federatedID); row skipped"
                    ));
                    continue;
                }
            },
            None => options.default_identity_type.clone(),
        };
        let username = get(cols.username).unwrap_or(email).to_owned();
        let domain = get(cols.domain).map(str::to_owned).or_else(|| {
            (!normalize(&username).eq(&normalize(email)))
                .then(|| email.split_once('@').map(|(_, d)| d.to_owned()))
                .flatten()
        });
        let groups: Vec<String> = get(cols.groups)
            .map(|g| {
                g.split(',')
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let key = normalize(email);
        if let Some(&i) = by_email.get(&key) {
            // Another row of the same user: its groups add up, its other values win.
            let u: &mut DirectoryUser = &mut out.users[i];
            for g in groups {
                if !u.groups.contains(&g) {
                    u.groups.push(g);
                }
            }
            continue;
        }
        by_email.insert(key, out.users.len());
        out.users.push(DirectoryUser {
            identity_type,
            username,
            domain,
            email: email.to_owned(),
            firstname: get(cols.firstname).map(str::to_owned),
            lastname: get(cols.lastname).map(str::to_owned),
            country: get(cols.country).map(str::to_uppercase),
            groups,
            origin,
        });
    }
    Ok(out)
}

/// Reads an Adobe-only list (`--adobe-only-user-list`): columns `type`, `username`, `email`,
/// `domain` (and user-sync's `umapi`, which must be empty: secondary organisations are not
/// supported); a row with neither email nor username is reported and skipped.
pub fn read_adobe_only_list(
    path: &Path,
) -> Result<(Vec<crate::plan::AdobeOnlyUser>, Vec<String>), CsvError> {
    let bytes = std::fs::read(path).map_err(|source| CsvError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut reader = reader(path, without_bom(&bytes), None);
    let bad = |e: csv::Error| CsvError::Format {
        path: path.to_owned(),
        detail: e.to_string(),
    };
    let headers = reader.headers().map_err(bad)?.clone();
    let col = |n: &str| headers.iter().position(|h| h.trim() == n);
    let (t, u, e, d, org) = (
        col("type"),
        col("username"),
        col("email"),
        col("domain"),
        col("umapi"),
    );
    let (mut users, mut warnings) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let record = record.map_err(bad)?;
        let line = record.position().map_or(0, |p| p.line());
        let get = |c: Option<usize>| {
            c.and_then(|i| record.get(i))
                .map(str::trim)
                .unwrap_or("")
                .to_owned()
        };
        if !get(org).is_empty() {
            warnings.push(format!(
                "{}:{line}: a user of another organisation (umapi column); skipped",
                path.display()
            ));
            continue;
        }
        let (email, username) = (get(e), get(u));
        if email.is_empty() && username.is_empty() {
            warnings.push(format!(
                "{}:{line}: neither email nor username; skipped",
                path.display()
            ));
            continue;
        }
        users.push(crate::plan::AdobeOnlyUser {
            identity_type: get(t),
            username,
            email,
            domain: get(d),
        });
    }
    Ok((users, warnings))
}

/// The bytes after a UTF-8 byte-order mark, if there is one.
fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// A CSV reader as user-sync reads its files: the delimiter given, else `,` for a `.csv` file
/// and a tab otherwise; rows may be shorter or longer than the header.
fn reader<'a>(path: &Path, bytes: &'a [u8], delimiter: Option<u8>) -> csv::Reader<&'a [u8]> {
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    csv::ReaderBuilder::new()
        .delimiter(delimiter.unwrap_or(if is_csv { b',' } else { b'\t' }))
        .flexible(true)
        .from_reader(bytes)
}

struct Columns {
    email: Option<usize>,
    firstname: Option<usize>,
    lastname: Option<usize>,
    country: Option<usize>,
    groups: Option<usize>,
    identity_type: Option<usize>,
    username: Option<usize>,
    domain: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(name: &str, text: &str) -> CsvDirectory {
        parse(Path::new(name), text.as_bytes(), &CsvOptions::default()).unwrap()
    }

    #[test]
    fn reads_users_as_user_sync_does() {
        let d = read_str(
            "users.csv",
            "\u{feff}firstname,lastname,email,country,groups,type,username,domain\n\
             Jane,Doe,jane@example.com,us,\"Designers, Writers\",federatedID,,\n\
             Bob,Roe,bob@example.com,,,,bob,example.com\n\
             ,,not-an-email,,,,,\n\
             Ann,Lee,ann@example.com,,,superID,,\n\
             Jane,Doe,JANE@example.com,,Admins,,,\n",
        );
        assert_eq!(d.users.len(), 2, "{:?}", d.warnings);
        let jane = &d.users[0];
        assert_eq!(jane.identity_type, IdentityType::FederatedId);
        assert_eq!(jane.username, "jane@example.com");
        assert_eq!(jane.domain, None);
        assert_eq!(jane.country.as_deref(), Some("US"));
        assert_eq!(jane.groups, ["Designers", "Writers", "Admins"]);
        assert_eq!(jane.origin, "users.csv:2");
        let bob = &d.users[1];
        assert_eq!(bob.identity_type, IdentityType::EnterpriseId);
        assert_eq!(
            (bob.username.as_str(), bob.domain.as_deref()),
            ("bob", Some("example.com"))
        );
        assert_eq!(d.warnings.len(), 2, "{:?}", d.warnings);
        assert!(d.warnings[0].starts_with("users.csv:4: missing or invalid email"));
        assert!(d.warnings[1].contains("users.csv:5: unrecognized identity type \"superID\""));
    }

    #[test]
    fn a_tab_unless_the_file_is_csv_and_clear_errors() {
        let d = read_str("users.txt", "email\tgroups\na@x.com\tG1,G2\n");
        assert_eq!(d.users[0].groups, ["G1", "G2"]);
        let e = parse(
            Path::new("u.csv"),
            b"mail,name\na@x.com,A\n",
            &CsvOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("no \"email\" column") && e.contains("email_column_name"),
            "{e}"
        );
        let e = parse(
            Path::new("u.csv"),
            b"email\na@x.com\n\xff\n",
            &CsvOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 3 is not UTF-8"), "{e}");
        let d = read_str("u.csv", "email,extra\na@x.com,1\n");
        assert_eq!(d.warnings, ["u.csv: unrecognized column names: extra"]);
    }
}
