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
    let target = store.find_user(name, domain, use_adobe_id);
    let mut run = Run {
        store,
        dry,
        name,
        target,
        group: false,
    };
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Create(kind, spec) => {
                run.target = create_user(run.store, dry, i, *kind, spec, name, domain)?;
            }
            Step::Update(spec) => match run.target {
                Some(seq) => update_user(run.store, dry, i, seq, spec)?,
                None => nonexistent(i, dry, name, ())?,
            },
            Step::AddGroups(groups) => run.add_groups(i, groups)?,
            Step::RemoveGroups(groups) => run.remove_groups(i, groups)?,
            Step::RemoveAll => run.remove_all(i)?,
            Step::RemoveFromOrg => run.remove_from_org(),
            _ => return fail(i, "error.command.step.unknown", "Not a user step"),
        }
    }
    Ok(())
}

/// An entry being run: its target (a user's sequence number or a group's id) as the steps
/// before have left it — created, renamed, removed.
struct Run<'a> {
    store: &'a mut Store,
    dry: bool,
    name: &'a str,
    target: Option<u64>,
    group: bool,
}

impl Run<'_> {
    /// The target, or the step's "does not exist" failure (`None`: nothing to do, test mode).
    fn target(&self, i: usize) -> Result<Option<u64>, StepError> {
        match (self.target, self.group) {
            (Some(id), _) => Ok(Some(id)),
            (None, false) => nonexistent(i, self.dry, self.name, None),
            (None, true) => group_not_found(i, self.dry, self.name, None),
        }
    }

    fn add_groups(&mut self, i: usize, groups: &[String]) -> Result<(), StepError> {
        let resolved = resolve_groups(self.store, i, groups, true)?;
        let Some(seq) = self.target(i)? else {
            return Ok(());
        };
        if !self.dry {
            for r in resolved.into_iter().flatten() {
                let gid = self.store.materialize(r);
                self.store.add_member(gid, seq);
            }
        }
        Ok(())
    }

    fn remove_groups(&mut self, i: usize, groups: &[String]) -> Result<(), StepError> {
        let resolved = resolve_groups(self.store, i, groups, false)?;
        let Some(seq) = self.target(i)? else {
            return Ok(());
        };
        if !self.dry {
            for r in resolved.into_iter().flatten() {
                if let Resolved::Existing(gid) = r {
                    self.store.remove_member(gid, seq);
                }
            }
        }
        Ok(())
    }

    /// `remove: "all"`: every group the user is in, except read-only and protected ones.
    fn remove_all(&mut self, i: usize) -> Result<(), StepError> {
        let Some(seq) = self.target(i)? else {
            return Ok(());
        };
        if self.dry {
            return Ok(());
        }
        let store = &*self.store;
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
            self.store.remove_member(gid, seq);
        }
        Ok(())
    }

    fn remove_from_org(&mut self) {
        if let Some(seq) = self.target.take()
            && !self.dry
        {
            self.store.delete_user(seq);
        }
    }
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
            return read_only_membership(i, add, name);
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
    let target = user_group(store, name);
    let mut run = Run {
        store,
        dry,
        name,
        target,
        group: true,
    };
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::CreateGroup {
                description,
                option,
            } => run.create(i, description, *option)?,
            Step::UpdateGroup {
                name: new_name,
                description,
            } => run.update(i, new_name.as_deref(), description.as_deref())?,
            Step::DeleteGroup => {
                // No step runs after a delete.
                return run.delete(i);
            }
            Step::GroupAdd { users, profiles } => run.members(i, true, users, profiles)?,
            Step::GroupRemove { users, profiles } => run.members(i, false, users, profiles)?,
            _ => return fail(i, "error.command.step.unknown", "Not a usergroup step"),
        }
    }
    Ok(())
}

/// The steps of a user-group entry.
impl Run<'_> {
    fn read_only(&self, gid: u64) -> bool {
        self.store.group(gid).is_some_and(|g| g.read_only)
    }

    fn create(
        &mut self,
        i: usize,
        description: &Option<String>,
        option: CreateOption,
    ) -> Result<(), StepError> {
        let name = self.name;
        if !valid_group_name(name) {
            return fail(
                i,
                "error.group.invalid_name",
                format!("Invalid group name {name:?}: it must not be empty or start with _"),
            );
        }
        let existing = self.store.group_by_name(name).map(|g| (g.id, g.kind));
        match existing {
            Some((_, kind)) if kind != GroupType::UserGroup => fail(
                i,
                "error.usergroup.already_exists",
                format!("A group or product profile named {name} already exists"),
            ),
            Some((gid, _)) => match option {
                CreateOption::Error => fail(
                    i,
                    "error.usergroup.already_exists",
                    format!("User group already exists: {name}"),
                ),
                CreateOption::Ignore => Ok(()),
                CreateOption::Update if self.read_only(gid) => fail(
                    i,
                    "error.usergroup.readonly.update_not_allowed",
                    format!("The read-only group {name} cannot be updated"),
                ),
                CreateOption::Update => {
                    if !self.dry
                        && description.is_some()
                        && let Some(g) = self.store.group_mut(gid)
                    {
                        g.description.clone_from(description);
                    }
                    Ok(())
                }
            },
            None if self.dry => Ok(()),
            None => {
                let mut g = crate::umapi::store::Group::new(name, GroupType::UserGroup);
                g.description.clone_from(description);
                self.target = Some(self.store.insert_group(g));
                Ok(())
            }
        }
    }

    fn update(
        &mut self,
        i: usize,
        new_name: Option<&str>,
        description: Option<&str>,
    ) -> Result<(), StepError> {
        let Some(gid) = self.target(i)? else {
            return Ok(());
        };
        if self.read_only(gid) {
            return fail(
                i,
                "error.usergroup.readonly.update_not_allowed",
                format!("The read-only group {} cannot be updated", self.name),
            );
        }
        if let Some(n) = new_name
            && self.store.group_id(n).is_some_and(|other| other != gid)
        {
            return fail(
                i,
                "error.usergroup.already_exists",
                format!("A group named {n} already exists"),
            );
        }
        if !self.dry {
            if let Some(n) = new_name {
                self.store.rename_group(gid, n);
            }
            if let (Some(d), Some(g)) = (description, self.store.group_mut(gid)) {
                g.description = Some(d.to_owned());
            }
        }
        Ok(())
    }

    fn delete(&mut self, i: usize) -> Result<(), StepError> {
        let Some(gid) = self.target(i)? else {
            return Ok(());
        };
        if self.read_only(gid) {
            return fail(
                i,
                "error.usergroup.readonly.remove_not_allowed",
                format!("The read-only group {} cannot be deleted", self.name),
            );
        }
        if !self.dry {
            self.store.delete_group(gid);
        }
        Ok(())
    }

    /// `add` / `remove` of users and product profiles.
    fn members(
        &mut self,
        i: usize,
        add: bool,
        users: &[String],
        profiles: &[String],
    ) -> Result<(), StepError> {
        let name = self.name;
        let profile_ids = self.profiles(i, profiles)?;
        let user_ids = self.users(i, users)?;
        let Some(gid) = self.target(i)? else {
            return Ok(());
        };
        let (read_only, members) = self
            .store
            .group(gid)
            .map(|g| (g.read_only, g.members.len()))
            .unwrap_or_default();
        if read_only && !users.is_empty() {
            return read_only_membership(i, add, name);
        }
        if add && members + user_ids.len() > MAX_GROUP_MEMBERS {
            return fail(
                i,
                "error.usergroup.exceeds_maximum_member_count",
                format!("User group {name} would exceed {MAX_GROUP_MEMBERS} members"),
            );
        }
        if self.dry {
            return Ok(());
        }
        for seq in user_ids {
            if add {
                self.store.add_member(gid, seq);
            } else {
                self.store.remove_member(gid, seq);
            }
        }
        if let Some(g) = self.store.group_mut(gid) {
            for p in profile_ids {
                if add {
                    g.profiles.insert(p);
                } else {
                    g.profiles.remove(&p);
                }
            }
        }
        Ok(())
    }

    /// The ids of the named product profiles; an unknown one fails the step.
    fn profiles(&self, i: usize, names: &[String]) -> Result<Vec<u64>, StepError> {
        let mut ids = Vec::with_capacity(names.len());
        for p in names {
            match self.store.group_by_name(p) {
                Some(g) if g.kind == GroupType::ProductProfile => ids.push(g.id),
                _ => {
                    return fail(
                        i,
                        "error.group.not_found",
                        format!("Product profile not found: {p}"),
                    );
                }
            }
        }
        Ok(ids)
    }

    /// The named users; an unknown one fails the step (outside test mode).
    fn users(&self, i: usize, names: &[String]) -> Result<Vec<u64>, StepError> {
        let mut ids = Vec::with_capacity(names.len());
        for u in names {
            match self.store.find_user(u, None, false) {
                Some(seq) => ids.push(seq),
                None if self.dry => {}
                None => {
                    return fail(
                        i,
                        "error.user.nonexistent",
                        format!("User Id does not exist: {u}"),
                    );
                }
            }
        }
        Ok(ids)
    }
}

/// A membership change refused by a read-only group.
fn read_only_membership<T>(i: usize, add: bool, name: &str) -> Result<T, StepError> {
    if add {
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
    }
}
