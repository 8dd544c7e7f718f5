//! Every Adobe user and the product profiles they hold, as CSV (`--example licence_report`).
#[path = "support/mod.rs"]
mod support;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (adobe, _sandbox) = support::blocking_umapi()?;
    let profiles: std::collections::HashSet<String> = (adobe.all_groups()?.into_iter())
        .filter(|g| g.group_type == Some(umapi::GroupType::ProductProfile))
        .map(|g| g.group_name)
        .collect();
    let mut out = csv::Writer::from_writer(std::io::stdout());
    out.write_record(["email", "name", "profile"])?;
    for user in adobe.iter(adobe.users().stream()) {
        let user = user?;
        for p in user.groups.iter().filter(|g| profiles.contains(*g)) {
            out.write_record([&user.email, &user.full_name().unwrap_or_default(), p])?;
        }
    }
    Ok(out.flush()?)
}
