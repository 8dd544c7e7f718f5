//! The records of the collections the API reads but cannot create: what a real organisation
//! would hold (its directories, the Apple MDM and its devices, JumpCloud's templates, command
//! and policy results), with plausible values.

use serde_json::{Value, json};

/// The seeded records of a collection, by its path shape.
pub(crate) fn records(shape: &str) -> Vec<Value> {
    match shape {
        "application-templates" => ["Slack", "Salesforce", "Zoom"]
            .iter()
            .map(|n| {
                json!({
                    "name": n.to_ascii_lowercase(),
                    "displayName": n,
                    "displayLabel": n,
                    "active": true,
                    "ssoUrl": format!("https://sso.jumpcloud.com/saml2/{}", n.to_ascii_lowercase()),
                })
            })
            .collect(),
        "policytemplates" => [
            (
                "disable_usb_storage_windows",
                "Disable USB Storage",
                "windows",
            ),
            ("lock_screen_darwin", "Lock Screen", "darwin"),
            ("password_complexity_linux", "Password Complexity", "linux"),
        ]
        .iter()
        .map(|(name, display, os)| {
            json!({"name": name, "displayName": display, "osMetaFamily": os,
                   "description": format!("{display} ({os})"), "activation": "",
                   "behavior": "", "state": ""})
        })
        .collect(),
        "commandresults" => (1..=2)
            .map(|n| {
                json!({"name": format!("Nightly backup {n}"), "command": "/usr/local/bin/backup",
                       "system": format!("web-00{n}"), "exitCode": 0,
                       "response": {"data": {"exitCode": 0, "output": "ok"}}})
            })
            .collect(),
        "policyresults" => (1..=2)
            .map(|n| {
                json!({"detail": format!("policy applied on system {n}"), "exitStatus": 0,
                       "state": "success", "success": true})
            })
            .collect(),
        "ldapservers" => vec![
            json!({"name": "JumpCloud LDAP", "userLockoutAction": "disable",
                                     "userPasswordExpirationAction": "disable"}),
        ],
        "gsuites" => vec![
            json!({"name": "Google Workspace", "defaultDomain": {"domain": "example.com"},
                                 "userLockoutAction": "suspend", "userPasswordExpirationAction": "maintain"}),
        ],
        "office365s" => vec![
            json!({"name": "Microsoft 365", "defaultDomain": {"domain": "example.com"},
                                    "userLockoutAction": "suspend", "userPasswordExpirationAction": "maintain"}),
        ],
        "applemdms" => vec![
            json!({"name": "Apple MDM", "appleSignedCert": "", "organization": "",
                                   "apnsPushTopic": "com.apple.mgmt.External.sandbox"}),
        ],
        "applemdms/{}/devices" => (1..=2)
            .map(|n| {
                json!({"serialNumber": format!("C02SANDBOX{n:02}"), "model": "MacBookPro18,3",
                       "os": "macOS", "osVersion": "14.5", "enrollmentStatus": "enrolled"})
            })
            .collect(),
        "applemdms/{}/enrollmentprofiles" => vec![json!({"name": "Default enrollment"})],
        "users/{}/pushendpoints" => vec![
            json!({"name": "JumpCloud Protect on iPhone", "state": "active",
                                                "enrollmentDate": "2026-01-02T09:00:00.000Z",
                                                "device": {"os": "iOS", "osVersion": "17.5", "make": "Apple", "model": "iPhone 15"}}),
        ],
        "providers/{}/organizations" => Vec::new(),
        "approvalflowrequest" => [
            ("ada.lovelace", "Production database", "pending", "4h"),
            ("grace.hopper", "AWS admin console", "approved", "1d"),
        ]
        .iter()
        .map(|(user, flow, status, duration)| {
            json!({"userName": user, "requestor": format!("{user}@example.com"),
                   "approvalFlowName": flow, "approvalType": "manual", "status": status,
                   "requestedDuration": duration, "remarks": "needed for the on-call rota",
                   "approversRequirement": "any",
                   "approvers": [{"approverId": "5a0000000000000000000001", "approverName": "admin@example.com"}]})
        })
        .collect(),
        _ => vec![json!({"name": shape.rsplit('/').next().unwrap_or(shape)})],
    }
}
