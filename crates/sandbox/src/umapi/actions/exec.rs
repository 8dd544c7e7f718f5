//! Running the checked steps of an entry against the store, in order; the first failing step
//! stops the entry.

use super::*;

// ---------------------------------------------------------------------------------------------
// Execution

pub(super) fn execute(store: &mut Store, dry: bool, entry: &Entry) -> Result<(), StepError> {
    match &entry.root {
        Root::User {
            name,
            domain,
            use_adobe_id,
        } => exec_user(
            store,
            dry,
            name,
            domain.as_deref(),
            *use_adobe_id,
            &entry.steps,
        ),
        Root::Group(name) => exec_group(store, dry, name, &entry.steps),
    }
}

fn nonexistent<T>(i: usize, dry: bool, name: &str, ok: T) -> Result<T, StepError> {
    if dry {
        Ok(ok)
    } else {
        fail(
            i,
            "error.user.nonexistent",
            format!("User Id does not exist: {name}"),
        )
    }
}

fn exec_user(
    store: &mut Store,
    dry: bool,
    name: &str,
    domain: Option<&str>,
    use_adobe_id: bool,
    steps: &[Step],
) -> Result<(), StepError> {
    let mut target = store.find_user(name, domain, use_adobe_id);
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Create(kind, spec) => {
                target = create_user(store, dry, i, *kind, spec, name, domain)?;
            }
            Step::Update(spec) => match target {
                Some(seq) => update_user(store, dry, i, seq, spec)?,
                None => nonexistent(i, dry, name, ())?,
            },
            Step::AddGroups(groups) => {
                let resolved = resolve_groups(store, i, groups, true)?;
                let Some(seq) = target else {
                    nonexistent(i, dry, name, ())?;
                    continue;
                };
                if !dry {
                    for r in resolved.into_iter().flatten() {
                        let gid = store.materialize(r);
                        store.add_member(gid, seq);
                    }
                }
            }
            Step::RemoveGroups(groups) => {
                let resolved = resolve_groups(store, i, groups, false)?;
                let Some(seq) = target else {
                    nonexistent(i, dry, name, ())?;
                    continue;
                };
                if !dry {
                    for r in resolved.into_iter().flatten() {
                        if let Resolved::Existing(gid) = r {
                            store.remove_member(gid, seq);
                        }
                    }
                }
            }
            Step::RemoveAll => {
                let Some(seq) = target else {
                    nonexistent(i, dry, name, ())?;
                    continue;
                };
                if !dry {
                    let removable: Vec<u64> = store
                        .user(seq)
                        .map(|u| {
                            u.groups
                                .iter()
                                .copied()
                                .filter(|gid| {
                                    store.group(*gid).is_some_and(|g| {
                                        !g.read_only
                                            && !PROTECTED_GROUPS
                                                .iter()
                                                .any(|p| g.name.eq_ignore_ascii_case(p))
                                    })
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    for gid in removable {
                        store.remove_member(gid, seq);
                    }
                }
            }
            Step::RemoveFromOrg => {
                if let Some(seq) = target
                    && !dry
                {
                    store.delete_user(seq);
                }
                target = None;
            }
            _ => {
                return fail(i, "error.command.step.unknown", "Not a user step");
            }
        }
    }
    Ok(())
}

/// Resolves the group names of a user's add/remove step. `None` entries are admin groups that
/// do not exist yet, in a removal (nothing to do).
fn resolve_groups(
    store: &Store,
    i: usize,
    names: &[String],
    add: bool,
) -> Result<Vec<Option<Resolved>>, StepError> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        if PROTECTED_GROUPS
            .iter()
            .any(|p| name.eq_ignore_ascii_case(p))
        {
            return fail(
                i,
                "error.group.invalid_name",
                format!("{name} cannot be assigned or removed through the User Management API"),
            );
        }
        let Some(resolved) = store.resolve(name) else {
            return fail(
                i,
                "error.group.not_found",
                format!("Group not found: {name}"),
            );
        };
        if let Resolved::Existing(gid) = &resolved
            && store.group(*gid).is_some_and(|g| g.read_only)
        {
            return if add {
                fail(
                    i,
                    "error.usergroup.readonly.add_user_not_allowed",
                    format!("Users cannot be added to the read-only group {name}"),
                )
            } else {
                fail(
                    i,
                    "error.usergroup.readonly.remove_user_not_allowed",
                    format!("Users cannot be removed from the read-only group {name}"),
                )
            };
        }
        match resolved {
            Resolved::Creatable { .. } if !add => out.push(None),
            r => out.push(Some(r)),
        }
    }
    Ok(out)
}

fn kind_name(kind: IdType) -> &'static str {
    match kind {
        IdType::Adobe => "Adobe ID",
        IdType::Enterprise => "Enterprise ID",
        IdType::Federated => "Federated ID",
    }
}

fn create_user(
    store: &mut Store,
    dry: bool,
    i: usize,
    kind: IdType,
    spec: &CreateSpec,
    name: &str,
    domain: Option<&str>,
) -> Result<Option<u64>, StepError> {
    let (username, dir_domain) = if kind == IdType::Adobe {
        (
            spec.email.clone(),
            email_domain(&spec.email).unwrap_or_default(),
        )
    } else if name.contains('@') {
        (name.to_owned(), email_domain(name).unwrap_or_default())
    } else {
        (
            name.to_owned(),
            domain.unwrap_or_default().to_ascii_lowercase(),
        )
    };
    let existing = if kind == IdType::Adobe {
        store.adobe_user_by_email(&spec.email)
    } else {
        for d in [Some(dir_domain.clone()), email_domain(&spec.email)]
            .into_iter()
            .flatten()
        {
            match store.claimed.get(&d) {
                None => {
                    return fail(
                        i,
                        "error.domain.trust.nonexistent",
                        format!(
                            "Changes to users are only allowed in claimed domains: {d} is not claimed"
                        ),
                    );
                }
                Some(t) if d == dir_domain && *t != kind => {
                    return fail(
                        i,
                        "error.user.type_mismatch",
                        format!(
                            "Domain {d} belongs to a directory of {}s: cannot create a {} there",
                            kind_name(*t),
                            kind_name(kind)
                        ),
                    );
                }
                _ => {}
            }
        }
        store
            .org_user_by_username(&username, &dir_domain)
            .or_else(|| store.org_user_by_email(&spec.email))
    };
    if let Some(seq) = existing {
        let existing_kind = store.user(seq).map(|u| u.id_type);
        if existing_kind.is_some_and(|k| k != kind) {
            return fail(
                i,
                "error.user.type_mismatch",
                format!("A user {name} of another identity type already exists"),
            );
        }
        return match spec.option {
            CreateOption::Error => fail(
                i,
                "error.user.already_in_org",
                format!("User already exists in the organization: {}", spec.email),
            ),
            CreateOption::Ignore => Ok(Some(seq)),
            CreateOption::Update => {
                if !dry && kind != IdType::Adobe {
                    store.edit_user(seq, |u| {
                        if spec.firstname.is_some() {
                            u.firstname.clone_from(&spec.firstname);
                        }
                        if spec.lastname.is_some() {
                            u.lastname.clone_from(&spec.lastname);
                        }
                    });
                }
                Ok(Some(seq))
            }
        };
    }
    if dry {
        return Ok(None);
    }
    let user = User {
        id: store.new_user_id(),
        email: spec.email.clone(),
        username,
        domain: dir_domain,
        firstname: spec.firstname.clone(),
        lastname: spec.lastname.clone(),
        country: spec.country.clone(),
        id_type: kind,
        groups: Default::default(),
    };
    Ok(Some(store.insert_user(user)))
}

fn update_user(
    store: &mut Store,
    dry: bool,
    i: usize,
    seq: u64,
    spec: &UpdateSpec,
) -> Result<(), StepError> {
    let Some(user) = store.user(seq) else {
        return fail(i, "error.user.nonexistent", "User Id does not exist");
    };
    if user.id_type == IdType::Adobe {
        return fail(
            i,
            "error.update.adobeid.no",
            "Adobe IDs cannot be updated through the User Management API",
        );
    }
    let kind = user.id_type;
    let mut email = user.email.clone();
    let mut username = user.username.clone();
    let mut domain = user.domain.clone();
    let same_directory = |store: &Store, d: &str| store.claimed.get(d) == Some(&kind);

    if let Some(new_email) = &spec.email
        && *new_email != user.email
    {
        if new_email.eq_ignore_ascii_case(&user.email) {
            return fail(
                i,
                "error.update.no",
                "The letter case of an email address cannot be changed",
            );
        }
        let d = email_domain(new_email).unwrap_or_default();
        if !store.claimed.contains_key(&d) {
            return fail(
                i,
                "error.domain.trust.nonexistent",
                format!("Changes to users are only allowed in claimed domains: {d} is not claimed"),
            );
        }
        if store
            .org_user_by_email(new_email)
            .is_some_and(|other| other != seq)
        {
            return fail(
                i,
                "error.user.email.name_in_use",
                format!("Email already in use: {new_email}"),
            );
        }
        if user.username.eq_ignore_ascii_case(&user.email) && same_directory(store, &d) {
            username.clone_from(new_email);
            domain = d;
        }
        email.clone_from(new_email);
    }
    if let Some(new_username) = &spec.username
        && *new_username != username
    {
        if new_username.contains('@') {
            let d = email_domain(new_username).unwrap_or_default();
            if !store.claimed.contains_key(&d) {
                return fail(
                    i,
                    "error.domain.trust.nonexistent",
                    format!(
                        "Changes to users are only allowed in claimed domains: {d} is not claimed"
                    ),
                );
            }
            if !same_directory(store, &d) {
                return fail(
                    i,
                    "error.update.domain.mismatch",
                    format!("The username's domain {d} is not in the user's directory"),
                );
            }
            domain = d;
        }
        username.clone_from(new_username);
    }
    if store
        .org_user_by_username(&username, &domain)
        .is_some_and(|other| other != seq)
    {
        return fail(
            i,
            "error.user.name_in_use",
            format!("Username already in use: {username}"),
        );
    }
    if dry {
        return Ok(());
    }
    store.edit_user(seq, |u| {
        u.email = email;
        u.username = username;
        u.domain = domain;
        if let Some(f) = &spec.firstname {
            u.firstname = Some(f.clone()).filter(|f| !f.is_empty());
        }
        if let Some(l) = &spec.lastname {
            u.lastname = Some(l.clone()).filter(|l| !l.is_empty());
        }
    });
    Ok(())
}

fn user_group(store: &Store, name: &str) -> Option<u64> {
    store
        .group_by_name(name)
        .filter(|g| g.kind == GroupType::UserGroup)
        .map(|g| g.id)
}

fn group_not_found<T>(i: usize, dry: bool, name: &str, ok: T) -> Result<T, StepError> {
    if dry {
        Ok(ok)
    } else {
        fail(
            i,
            "error.usergroup.not_found",
            format!("User group not found: {name}"),
        )
    }
}

fn exec_group(store: &mut Store, dry: bool, name: &str, steps: &[Step]) -> Result<(), StepError> {
    let mut current = user_group(store, name);
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::CreateGroup {
                description,
                option,
            } => {
                if !valid_group_name(name) {
                    return fail(
                        i,
                        "error.group.invalid_name",
                        format!(
                            "Invalid group name {name:?}: it must not be empty or start with _"
                        ),
                    );
                }
                let existing = store
                    .group_by_name(name)
                    .map(|g| (g.id, g.kind, g.read_only));
                match existing {
                    Some((_, kind, _)) if kind != GroupType::UserGroup => {
                        return fail(
                            i,
                            "error.usergroup.already_exists",
                            format!("A group or product profile named {name} already exists"),
                        );
                    }
                    Some((gid, _, read_only)) => match option {
                        CreateOption::Error => {
                            return fail(
                                i,
                                "error.usergroup.already_exists",
                                format!("User group already exists: {name}"),
                            );
                        }
                        CreateOption::Ignore => {}
                        CreateOption::Update => {
                            if read_only {
                                return fail(
                                    i,
                                    "error.usergroup.readonly.update_not_allowed",
                                    format!("The read-only group {name} cannot be updated"),
                                );
                            }
                            if !dry
                                && description.is_some()
                                && let Some(g) = store.group_mut(gid)
                            {
                                g.description.clone_from(description);
                            }
                        }
                    },
                    None if dry => {}
                    None => {
                        let mut g = crate::umapi::store::Group::new(name, GroupType::UserGroup);
                        g.description.clone_from(description);
                        current = Some(store.insert_group(g));
                    }
                }
            }
            Step::UpdateGroup {
                name: new_name,
                description,
            } => {
                let Some(gid) = current else {
                    group_not_found(i, dry, name, ())?;
                    continue;
                };
                if store.group(gid).is_some_and(|g| g.read_only) {
                    return fail(
                        i,
                        "error.usergroup.readonly.update_not_allowed",
                        format!("The read-only group {name} cannot be updated"),
                    );
                }
                if let Some(n) = new_name
                    && store.group_id(n).is_some_and(|other| other != gid)
                {
                    return fail(
                        i,
                        "error.usergroup.already_exists",
                        format!("A group named {n} already exists"),
                    );
                }
                if !dry {
                    if let Some(n) = new_name {
                        store.rename_group(gid, n);
                    }
                    if let (Some(d), Some(g)) = (description, store.group_mut(gid)) {
                        g.description = Some(d.clone());
                    }
                }
            }
            Step::DeleteGroup => {
                let Some(gid) = current else {
                    return group_not_found(i, dry, name, ());
                };
                if store.group(gid).is_some_and(|g| g.read_only) {
                    return fail(
                        i,
                        "error.usergroup.readonly.remove_not_allowed",
                        format!("The read-only group {name} cannot be deleted"),
                    );
                }
                if !dry {
                    store.delete_group(gid);
                }
                // No step runs after a delete.
                return Ok(());
            }
            Step::GroupAdd { users, profiles } | Step::GroupRemove { users, profiles } => {
                let add = matches!(step, Step::GroupAdd { .. });
                let mut profile_ids = Vec::with_capacity(profiles.len());
                for p in profiles {
                    match store.group_by_name(p) {
                        Some(g) if g.kind == GroupType::ProductProfile => profile_ids.push(g.id),
                        _ => {
                            return fail(
                                i,
                                "error.group.not_found",
                                format!("Product profile not found: {p}"),
                            );
                        }
                    }
                }
                let mut user_ids = Vec::with_capacity(users.len());
                for u in users {
                    match store.find_user(u, None, false) {
                        Some(seq) => user_ids.push(seq),
                        None if dry => {}
                        None => {
                            return fail(
                                i,
                                "error.user.nonexistent",
                                format!("User Id does not exist: {u}"),
                            );
                        }
                    }
                }
                let Some(gid) = current else {
                    group_not_found(i, dry, name, ())?;
                    continue;
                };
                let (read_only, members) = store
                    .group(gid)
                    .map(|g| (g.read_only, g.members.len()))
                    .unwrap_or_default();
                if read_only && !users.is_empty() {
                    return if add {
                        fail(
                            i,
                            "error.usergroup.readonly.add_user_not_allowed",
                            format!("Users cannot be added to the read-only group {name}"),
                        )
                    } else {
                        fail(
                            i,
                            "error.usergroup.readonly.remove_user_not_allowed",
                            format!("Users cannot be removed from the read-only group {name}"),
                        )
                    };
                }
                if add && members + user_ids.len() > MAX_GROUP_MEMBERS {
                    return fail(
                        i,
                        "error.usergroup.exceeds_maximum_member_count",
                        format!("User group {name} would exceed {MAX_GROUP_MEMBERS} members"),
                    );
                }
                if !dry {
                    for seq in user_ids {
                        if add {
                            store.add_member(gid, seq);
                        } else {
                            store.remove_member(gid, seq);
                        }
                    }
                    if let Some(g) = store.group_mut(gid) {
                        for p in profile_ids {
                            if add {
                                g.profiles.insert(p);
                            } else {
                                g.profiles.remove(&p);
                            }
                        }
                    }
                }
            }
            _ => return fail(i, "error.command.step.unknown", "Not a usergroup step"),
        }
    }
    Ok(())
}
