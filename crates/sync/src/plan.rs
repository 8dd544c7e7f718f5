//! The planner: directory users + Adobe users + rules → the UMAPI actions that bring Adobe in
//! step, each with its reason. No I/O: the same inputs always give the same plan.
//!
//! Minimal by construction: one action per user that needs a change, carrying all of that
//! user's steps; nothing for a user already right, so planning again after the plan was applied
//! gives an empty plan.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use umapi::{Action, IdentityType, IfAlreadyExists, NewUser, User, UserAction, UserUpdate};

use crate::model::{DirectoryUser, match_keys, normalize};
use crate::rules::{AdobeOnlyAction, Attribute, Rules, UserSelection};

/// What an action does to its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Creates a directory user Adobe does not have.
    Create,
    /// Brings a matched user's attributes or groups in step.
    Update,
    /// Acts on an Adobe user the directory does not have.
    AdobeOnly,
    /// Creates a mapped user group Adobe does not have (`group_sync_options.auto_create`).
    CreateGroup,
}

/// One planned action.
#[derive(Debug, Clone)]
pub struct Planned {
    /// What it does.
    pub change: Change,
    /// The user it acts on (UMAPI's `user`, with `domain` when there is one).
    pub target: String,
    /// Why, in words: which attributes differ, which groups are added or removed.
    pub reason: String,
    /// The action to send.
    pub action: Action,
}

/// The counts of user-sync's action summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Directory users read (every row that made a user).
    pub directory_users_read: u64,
    /// Directory users selected (`--users`, `--user-filter`).
    pub directory_users_selected: u64,
    /// Adobe users read.
    pub adobe_users_read: u64,
    /// Adobe users excluded (by type, group or name; and Adobe-only users with `exclude`).
    pub adobe_users_excluded: u64,
    /// Matched Adobe users with nothing to change.
    pub adobe_users_unchanged: u64,
    /// New Adobe users planned.
    pub created: u64,
    /// Matched Adobe users with something to change.
    pub updated: u64,
    /// Adobe-only users found.
    pub adobe_only: u64,
    /// Adobe-only users acted on (0 when the limit held them back).
    pub adobe_only_processed: u64,
    /// User groups created (`auto_create`).
    pub groups_created: u64,
}

/// The limit held back the Adobe-only actions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimitHeld {
    /// Adobe-only users that would have been changed.
    pub count: u64,
    /// The most allowed.
    pub max: f64,
    /// The setting as written (`200`, `10%`).
    pub setting: String,
}

/// An Adobe-only user, as written by `write-file` (columns `type,username,email,domain`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdobeOnlyUser {
    /// Identity type.
    #[serde(rename = "type")]
    pub identity_type: String,
    /// Username.
    pub username: String,
    /// Email.
    pub email: String,
    /// Domain.
    pub domain: String,
}

/// A plan: the actions in the order to send them (updates in Adobe's order, then creates in
/// the directory's order, then Adobe-only users), with what the planner noticed on the way.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The actions.
    pub actions: Vec<Planned>,
    /// The summary's counts.
    pub summary: Summary,
    /// Every Adobe-only user found (for `write-file`), whether or not acted on.
    pub adobe_only_users: Vec<AdobeOnlyUser>,
    /// Set when `limits.max_adobe_only_users` held back the Adobe-only actions.
    pub limit_held: Option<LimitHeld>,
    /// Things worth a warning: skipped directory users, attributes that differ but are not
    /// updated, duplicates.
    pub warnings: Vec<String>,
    /// `additional_groups` resolutions (`source` → `target`).
    pub additional: BTreeMap<String, String>,
    /// The managed Adobe groups, as the configuration spells them.
    pub managed: Vec<String>,
}

impl Plan {
    /// How many group creations lead the plan: their answers must be in before the actions
    /// that add users to those groups are sent ([`Runner::first`](crate::exec::Runner::first)).
    pub fn groups_first(&self) -> usize {
        self.actions
            .iter()
            .take_while(|p| p.change == Change::CreateGroup)
            .count()
    }

    /// `group_sync_options.auto_create`: puts first a create for every managed group not among
    /// `existing` (the groups UMAPI lists, compared without case). Returns how many; they must
    /// be done before the rest of the plan is sent.
    pub fn create_missing_groups(&mut self, existing: &[umapi::Group]) -> usize {
        let have: HashSet<String> = existing.iter().map(|g| normalize(&g.group_name)).collect();
        let mut creates = Vec::new();
        for name in &self.managed {
            if have.contains(&normalize(name)) {
                continue;
            }
            let built = umapi::GroupAction::new(name)
                .and_then(|a| {
                    a.create(
                        Some("Created by idm sync (group_sync_options.auto_create)"),
                        IfAlreadyExists::Ignore,
                    )
                })
                .and_then(umapi::GroupAction::build);
            match built {
                Ok(action) => creates.push(Planned {
                    change: Change::CreateGroup,
                    target: name.clone(),
                    reason: "a mapped group Adobe does not have".into(),
                    action,
                }),
                Err(e) => self
                    .warnings
                    .push(format!("cannot create the user group {name:?}: {e}")),
            }
        }
        let n = creates.len();
        self.summary.groups_created = n as u64;
        creates.append(&mut self.actions);
        self.actions = creates;
        n
    }
}

/// A configuration the planner cannot follow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

/// The directory side, selected and indexed.
struct Directory<'a> {
    users: Vec<&'a DirectoryUser>,
    selected: Vec<bool>,
    desired: Vec<Vec<String>>,
    by_key: HashMap<String, usize>,
}

impl Directory<'_> {
    fn find(&self, email: &str, username: Option<&str>) -> Option<usize> {
        let (email, username) = match_keys(email, username);
        self.by_key
            .get(&email)
            .or_else(|| username.and_then(|u| self.by_key.get(&u)))
            .copied()
    }
}

/// Plans a sync (`--strategy sync`).
pub fn plan(directory: &[DirectoryUser], adobe: &[User], rules: &Rules) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    let (dir, managed) = prepare_directory(directory, rules, &mut plan)?;
    plan.managed = managed.values().cloned().collect();
    plan.summary.directory_users_read = directory.len() as u64;
    plan.summary.directory_users_selected = dir.selected.iter().filter(|s| **s).count() as u64;

    let excluded_groups: HashSet<String> = rules
        .exclude_adobe_groups
        .iter()
        .map(|g| normalize(g))
        .collect();
    let mut seen_adobe: HashSet<String> = HashSet::new();
    let mut matched = vec![false; dir.users.len()];
    let mut adobe_only: Vec<(&User, Vec<String>)> = Vec::new();
    for user in adobe {
        let (email, username) = match_keys(&user.email, user.username.as_deref());
        let keys: Vec<&String> = std::iter::once(&email).chain(username.as_ref()).collect();
        if keys.iter().any(|k| seen_adobe.contains(*k)) {
            plan.warnings.push(format!(
                "Adobe user {} is listed twice (same email or username): only the first is synced",
                shown(user)
            ));
            continue;
        }
        seen_adobe.extend(keys.into_iter().cloned());
        plan.summary.adobe_users_read += 1;
        let found = dir.find(&user.email, user.username.as_deref());
        if let Some(i) = found {
            // Matched, even if excluded below: an excluded Adobe user's directory twin is never
            // created anew.
            matched[i] = true;
        }
        if is_excluded(user, rules, &excluded_groups) {
            plan.summary.adobe_users_excluded += 1;
            continue;
        }
        match found.filter(|i| dir.selected[*i]) {
            Some(i) => {
                match update_action(
                    user,
                    dir.users[i],
                    &dir.desired[i],
                    &managed,
                    rules,
                    &mut plan,
                ) {
                    Some(p) => {
                        plan.summary.updated += 1;
                        plan.actions.push(p);
                    }
                    None => plan.summary.adobe_users_unchanged += 1,
                }
            }
            None if rules.adobe_only == AdobeOnlyAction::Exclude => {
                plan.summary.adobe_users_excluded += 1;
            }
            None => {
                let managed_held: Vec<String> = user
                    .groups
                    .iter()
                    .filter(|g| managed.contains_key(&normalize(g)))
                    .cloned()
                    .collect();
                adobe_only.push((user, managed_held));
            }
        }
    }

    for (i, d) in dir.users.iter().enumerate() {
        if matched[i] || !dir.selected[i] {
            continue;
        }
        if rules.exclude_unmapped_users && dir.desired[i].is_empty() {
            continue;
        }
        match create_action(d, &dir.desired[i], rules, &[]) {
            Ok(p) => {
                plan.summary.created += 1;
                plan.actions.push(p);
            }
            Err(why) => plan
                .warnings
                .push(format!("not creating {} ({}): {why}", d.email, d.origin)),
        }
    }

    plan_adobe_only(adobe_only, rules, &mut plan);
    Ok(plan)
}

/// Plans a push (`--strategy push`): Adobe is not read; every selected directory user gets a
/// create that is ignored when the user exists (an update with `update_user_info`) and, with
/// `process_groups`, is removed from the managed groups it should not be in and added to those
/// it should. No Adobe-only user can be known, so none is acted on.
pub fn plan_push(directory: &[DirectoryUser], rules: &Rules) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    let (dir, managed) = prepare_directory(directory, rules, &mut plan)?;
    plan.managed = managed.values().cloned().collect();
    plan.summary.directory_users_read = directory.len() as u64;
    for (i, d) in dir.users.iter().enumerate() {
        if !dir.selected[i] {
            continue;
        }
        plan.summary.directory_users_selected += 1;
        let desired = &dir.desired[i];
        if rules.exclude_unmapped_users && desired.is_empty() {
            continue;
        }
        let wanted: HashSet<String> = desired.iter().map(|g| normalize(g)).collect();
        let remove: Vec<String> = managed
            .iter()
            .filter(|(n, _)| !wanted.contains(*n))
            .map(|(_, spelled)| spelled.clone())
            .collect();
        match create_action(d, desired, rules, &remove) {
            Ok(p) => {
                plan.summary.created += 1;
                plan.actions.push(p);
            }
            Err(why) => plan
                .warnings
                .push(format!("not pushing {} ({}): {why}", d.email, d.origin)),
        }
    }
    Ok(plan)
}

/// Plans what `--adobe-only-user-action` asks for on the users of an Adobe-only list
/// (`--adobe-only-user-list`): nothing is read, so every listed user is acted on (`delete`,
/// `remove`, `remove-adobe-groups`; the others do nothing), within the limit (a percentage of
/// no Adobe users read allows none).
pub fn plan_listed(listed: &[AdobeOnlyUser], rules: &Rules) -> Plan {
    let users: Vec<User> = listed
        .iter()
        .map(|l| User {
            email: l.email.clone(),
            username: Some(l.username.clone()).filter(|u| !u.is_empty()),
            domain: Some(l.domain.clone()).filter(|d| !d.is_empty()),
            identity_type: crate::model::parse_identity_type(&l.identity_type),
            ..User::default()
        })
        .collect();
    let mut plan = Plan::default();
    let mut rules = rules.clone();
    // The list says nothing of groups: no group removal, and `remove-adobe-groups` goes to
    // every listed user.
    rules.process_groups = false;
    let found = users.iter().map(|u| (u, vec![LISTED.to_owned()])).collect();
    plan_adobe_only(found, &rules, &mut plan);
    plan
}

/// Stands for the unknown groups of a listed user.
const LISTED: &str = "(listed)";

/// Selects the directory users, computes each one's desired Adobe groups, indexes them by
/// email and username; returns the managed groups (normalized name → spelling).
fn prepare_directory<'a>(
    directory: &'a [DirectoryUser],
    rules: &Rules,
    plan: &mut Plan,
) -> Result<(Directory<'a>, BTreeMap<String, String>), PlanError> {
    let mut managed: BTreeMap<String, String> = BTreeMap::new();
    for targets in rules.mapping.values() {
        for t in targets {
            managed.entry(normalize(t)).or_insert_with(|| t.clone());
        }
    }
    let mut dir = Directory {
        users: Vec::with_capacity(directory.len()),
        selected: Vec::with_capacity(directory.len()),
        desired: Vec::with_capacity(directory.len()),
        by_key: HashMap::with_capacity(directory.len() * 2),
    };
    // target (normalized) → the directory group that produced it, to catch two sources
    // mapping to one target.
    let mut produced_by: HashMap<String, String> = HashMap::new();
    for d in directory {
        let (email, username) = match_keys(&d.email, Some(&d.username));
        if let Some(&first) = dir
            .by_key
            .get(&email)
            .or_else(|| username.as_ref().and_then(|u| dir.by_key.get(u)))
        {
            plan.warnings.push(format!(
                "directory user {} ({}) has the email or username of {} ({}): only the first is synced",
                d.email, d.origin, dir.users[first].email, dir.users[first].origin
            ));
            continue;
        }
        let i = dir.users.len();
        dir.by_key.insert(email, i);
        if let Some(u) = username {
            dir.by_key.entry(u).or_insert(i);
        }
        let selected = is_selected(d, rules);
        let mut desired: Vec<String> = Vec::new();
        let push = |g: &String, desired: &mut Vec<String>| {
            if !desired.iter().any(|x| normalize(x) == normalize(g)) {
                desired.push(g.clone());
            }
        };
        for g in &d.groups {
            for t in rules.mapping.get(g).into_iter().flatten() {
                push(t, &mut desired);
            }
        }
        if selected {
            for g in &d.groups {
                for rule in &rules.additional_groups {
                    if !rule.source.is_match(g) {
                        continue;
                    }
                    let target = rule
                        .source
                        .replace_all(g, rule.target.as_str())
                        .into_owned();
                    let key = normalize(&target);
                    match produced_by.get(&key) {
                        Some(src) if src != g => {
                            return Err(PlanError(format!(
                                "additional_groups: the directory groups {src:?} and {g:?} both map to the Adobe group {target:?}; make the rules map each to a group of its own"
                            )));
                        }
                        Some(_) => {}
                        None => {
                            produced_by.insert(key.clone(), g.clone());
                            plan.additional.insert(g.clone(), target.clone());
                        }
                    }
                    managed.entry(key).or_insert_with(|| target.clone());
                    push(&target, &mut desired);
                }
            }
        }
        dir.users.push(d);
        dir.selected.push(selected);
        dir.desired.push(desired);
    }
    Ok((dir, managed))
}

fn is_selected(d: &DirectoryUser, rules: &Rules) -> bool {
    let in_groups = match &rules.users {
        UserSelection::All => true,
        UserSelection::Mapped => d.groups.iter().any(|g| rules.mapping.contains_key(g)),
        UserSelection::Groups(names) => d.groups.iter().any(|g| names.contains(g)),
    };
    in_groups
        && rules
            .user_filter
            .as_ref()
            .is_none_or(|f| f.is_match(&d.username))
}

fn is_excluded(user: &User, rules: &Rules, excluded_groups: &HashSet<String>) -> bool {
    if let Some(t) = &user.identity_type
        && rules.exclude_identity_types.contains(t)
    {
        return true;
    }
    if user
        .groups
        .iter()
        .any(|g| excluded_groups.contains(&normalize(g)))
    {
        return true;
    }
    let name = user
        .username
        .as_deref()
        .filter(|u| !u.is_empty() && user.identity_type != Some(IdentityType::AdobeId))
        .unwrap_or(&user.email);
    rules.exclude_users.iter().any(|r| r.is_match(name))
}

/// The action addressed to an existing Adobe user: by username in its domain when the username
/// is not an email, else by username (or email).
fn address(user: &User) -> Result<(String, UserAction), umapi::Error> {
    let name = user
        .username
        .as_deref()
        .filter(|u| !u.is_empty())
        .unwrap_or(&user.email);
    match user.domain.as_deref().filter(|d| !d.is_empty()) {
        Some(domain) if !name.contains('@') => Ok((
            format!("{name} ({domain})"),
            UserAction::with_domain(name, domain)?,
        )),
        _ => Ok((name.to_owned(), UserAction::new(name)?)),
    }
}

fn shown(user: &User) -> String {
    match user.username.as_deref() {
        Some(u) if !u.is_empty() && !u.eq_ignore_ascii_case(&user.email) => {
            format!("{} ({u})", user.email)
        }
        _ => user.email.clone(),
    }
}

/// The update of a matched user, or `None` when it is in step.
fn update_action(
    user: &User,
    d: &DirectoryUser,
    desired: &[String],
    managed: &BTreeMap<String, String>,
    rules: &Rules,
    plan: &mut Plan,
) -> Option<Planned> {
    let mut reasons = Vec::new();
    let mut update = UserUpdate::new();
    let mut updating = false;
    // An Adobe ID belongs to its owner: its names and email are not the organisation's to set.
    let owned = user.identity_type != Some(IdentityType::AdobeId);
    if rules.update_user_info && owned {
        for (attr, wanted, current) in differences(user, d) {
            if rules.update_attributes.contains(&attr) {
                reasons.push(format!("{} {current:?} → {wanted:?}", attr.name()));
                update = match attr {
                    Attribute::FirstName => update.firstname(wanted),
                    Attribute::LastName => update.lastname(wanted),
                    Attribute::Email => update.email(wanted),
                    Attribute::Username => update.username(wanted),
                };
                updating = true;
            } else {
                plan.warnings.push(format!(
                    "{} of {} differs ({current:?} in Adobe, {wanted:?} in the directory) but is not in update_attributes",
                    attr.name(),
                    shown(user)
                ));
            }
        }
    }
    let (mut add, mut remove) = (Vec::new(), Vec::new());
    if rules.process_groups {
        let current: HashSet<String> = user.groups.iter().map(|g| normalize(g)).collect();
        let wanted: HashSet<String> = desired.iter().map(|g| normalize(g)).collect();
        add = desired
            .iter()
            .filter(|g| !current.contains(&normalize(g)))
            .cloned()
            .collect();
        remove = user
            .groups
            .iter()
            .filter(|g| {
                let n = normalize(g);
                managed.contains_key(&n) && !wanted.contains(&n)
            })
            .cloned()
            .collect();
    }
    if !updating && add.is_empty() && remove.is_empty() {
        return None;
    }
    let (target, mut action) = match address(user) {
        Ok(x) => x,
        Err(e) => {
            plan.warnings
                .push(format!("cannot address Adobe user {}: {e}", shown(user)));
            return None;
        }
    };
    let built = (|| {
        if updating {
            action = action.update(update)?;
        }
        if !remove.is_empty() {
            reasons.push(format!("remove from {}", remove.join(", ")));
            action = action.remove_from_groups(remove.iter().cloned())?;
        }
        if !add.is_empty() {
            reasons.push(format!("add to {}", add.join(", ")));
            action = action.add_to_groups(add.iter().cloned())?;
        }
        action.build()
    })();
    match built {
        Ok(action) => Some(Planned {
            change: Change::Update,
            target,
            reason: reasons.join("; "),
            action,
        }),
        Err(e) => {
            plan.warnings
                .push(format!("cannot update Adobe user {}: {e}", shown(user)));
            None
        }
    }
}

/// Attributes that differ: (attribute, directory value, Adobe value). Email and username
/// compare without case; names exactly; country never (Adobe does not let it change).
fn differences(user: &User, d: &DirectoryUser) -> Vec<(Attribute, String, String)> {
    let mut out = Vec::new();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    for (attr, wanted, current) in [
        (
            Attribute::FirstName,
            text(&d.firstname),
            text(&user.firstname),
        ),
        (Attribute::LastName, text(&d.lastname), text(&user.lastname)),
    ] {
        // An empty directory value clears nothing: UMAPI cannot set a name to empty.
        if !wanted.is_empty() && wanted != current {
            out.push((attr, wanted, current));
        }
    }
    if normalize(&d.email) != normalize(&user.email) {
        out.push((Attribute::Email, d.email.clone(), user.email.clone()));
    }
    let adobe_username = user.username.clone().unwrap_or_default();
    if user.identity_type != Some(IdentityType::AdobeId)
        && !adobe_username.is_empty()
        && normalize(&d.username) != normalize(&adobe_username)
    {
        out.push((Attribute::Username, d.username.clone(), adobe_username));
    }
    out
}

/// The create action of a directory user Adobe does not have.
/// The create action of a directory user Adobe does not have (with `push`: of every directory
/// user, its managed groups it should not be in removed first).
fn create_action(
    d: &DirectoryUser,
    desired: &[String],
    rules: &Rules,
    remove: &[String],
) -> Result<Planned, String> {
    let country = d
        .country
        .clone()
        .filter(|c| !c.is_empty())
        .map(|c| c.to_uppercase())
        .or_else(|| rules.default_country_code.clone())
        .or_else(|| (d.identity_type == IdentityType::EnterpriseId).then(|| "UD".to_owned()));
    let names = || {
        Ok::<_, String>((
            d.firstname
                .clone()
                .filter(|f| !f.is_empty())
                .ok_or("no first name")?,
            d.lastname
                .clone()
                .filter(|l| !l.is_empty())
                .ok_or("no last name")?,
        ))
    };
    let mut new = match d.identity_type {
        IdentityType::AdobeId => NewUser::adobe_id(&d.email),
        IdentityType::EnterpriseId => {
            let (f, l) = names()?;
            NewUser::enterprise(&d.email, f, l)
        }
        IdentityType::FederatedId => {
            let (f, l) = names()?;
            let c = country.clone().ok_or(
                "no country: set its country column or directory_users.default_country_code",
            )?;
            NewUser::federated(&d.email, f, l, c)
        }
        ref other => return Err(format!("unknown identity type {other}")),
    };
    if d.identity_type == IdentityType::AdobeId {
        if let Some(f) = d.firstname.clone().filter(|f| !f.is_empty()) {
            new = new.firstname(f);
        }
        if let Some(l) = d.lastname.clone().filter(|l| !l.is_empty()) {
            new = new.lastname(l);
        }
    }
    if let Some(c) = country.filter(|_| d.identity_type == IdentityType::EnterpriseId) {
        new = new.country(c);
    }
    new = new.on_conflict(if rules.update_user_info {
        IfAlreadyExists::Update
    } else {
        IfAlreadyExists::Ignore
    });
    let domain_form = !d.username.contains('@')
        && d.identity_type == IdentityType::FederatedId
        && d.domain.as_deref().is_some_and(|x| !x.is_empty());
    let (target, action) = if domain_form {
        let domain = d.domain.clone().unwrap_or_default();
        (
            format!("{} ({domain})", d.username),
            UserAction::with_domain(&d.username, domain),
        )
    } else {
        let user = if d.username.contains('@') {
            &d.username
        } else {
            &d.email
        };
        (user.clone(), UserAction::new(user))
    };
    let mut action = action
        .and_then(|a| a.create(new))
        .map_err(|e| e.to_string())?;
    let mut reason = format!("new {} in the directory ({})", d.identity_type, d.origin);
    if rules.process_groups && !remove.is_empty() {
        action = action
            .remove_from_groups(remove.iter().cloned())
            .map_err(|e| e.to_string())?;
        reason.push_str(&format!("; remove from {}", remove.join(", ")));
    }
    if rules.process_groups && !desired.is_empty() {
        action = action
            .add_to_groups(desired.iter().cloned())
            .map_err(|e| e.to_string())?;
        reason.push_str(&format!("; add to {}", desired.join(", ")));
    }
    Ok(Planned {
        change: Change::Create,
        target,
        reason,
        action: action.build().map_err(|e| e.to_string())?,
    })
}

/// Plans what `--adobe-only-user-action` asks for, within `limits.max_adobe_only_users`.
fn plan_adobe_only(found: Vec<(&User, Vec<String>)>, rules: &Rules, plan: &mut Plan) {
    plan.summary.adobe_only = found.len() as u64;
    plan.adobe_only_users = found
        .iter()
        .map(|(u, _)| AdobeOnlyUser {
            identity_type: u
                .identity_type
                .as_ref()
                .map(|t| t.to_string())
                .unwrap_or_default(),
            username: u.username.clone().unwrap_or_default(),
            email: u.email.clone(),
            domain: u.domain.clone().unwrap_or_default(),
        })
        .collect();
    // What each would get; users with nothing to change are not counted against the limit.
    let mut planned: Vec<(&User, UserAction, String)> = Vec::new();
    for (user, managed_held) in &found {
        if rules.group_removals_only && (!rules.process_groups || managed_held.is_empty()) {
            continue;
        }
        let Ok((_, action)) = address(user) else {
            plan.warnings
                .push(format!("cannot address Adobe-only user {}", shown(user)));
            continue;
        };
        let step = match &rules.adobe_only {
            AdobeOnlyAction::Delete => action
                .remove_from_org(true)
                .map(|a| (a, "not in the directory: delete the account".to_owned())),
            AdobeOnlyAction::Remove => action.remove_from_org(false).map(|a| {
                (
                    a,
                    "not in the directory: remove from the organisation".to_owned(),
                )
            }),
            AdobeOnlyAction::RemoveAdobeGroups => {
                let listed = managed_held.iter().any(|g| g == LISTED);
                if !listed
                    && !user
                        .groups
                        .iter()
                        .any(|g| !g.eq_ignore_ascii_case("_org_admin"))
                {
                    continue;
                }
                action.remove_from_all_groups().map(|a| {
                    (
                        a,
                        "not in the directory: remove from every group".to_owned(),
                    )
                })
            }
            AdobeOnlyAction::Preserve
            | AdobeOnlyAction::WriteFile(_)
            | AdobeOnlyAction::Exclude => {
                if !rules.process_groups || managed_held.is_empty() {
                    continue;
                }
                action
                    .remove_from_groups(managed_held.iter().cloned())
                    .map(|a| {
                        let why = format!(
                            "not in the directory: remove from {}",
                            managed_held.join(", ")
                        );
                        (a, why)
                    })
            }
        };
        match step {
            Ok((a, why)) => planned.push((user, a, why)),
            Err(e) => plan.warnings.push(format!(
                "cannot act on Adobe-only user {}: {e}",
                shown(user)
            )),
        }
    }
    let count = planned.len() as u64;
    let base = plan
        .summary
        .adobe_users_read
        .saturating_sub(plan.summary.adobe_users_excluded);
    let max = rules.max_adobe_only_users.max(base);
    if count as f64 > max {
        plan.limit_held = Some(LimitHeld {
            count,
            max,
            setting: rules.max_adobe_only_users.to_string(),
        });
        return;
    }
    plan.summary.adobe_only_processed = count;
    for (user, action, reason) in planned {
        let Ok((target, _)) = address(user) else {
            continue;
        };
        match action.build() {
            Ok(action) => plan.actions.push(Planned {
                change: Change::AdobeOnly,
                target,
                reason,
                action,
            }),
            Err(e) => plan.warnings.push(format!(
                "cannot act on Adobe-only user {}: {e}",
                shown(user)
            )),
        }
    }
}

#[cfg(test)]
mod tests;
