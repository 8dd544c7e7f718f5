//! The state of the simulated organisation: users, groups, memberships and their indexes.
//!
//! Users live in a `BTreeMap` keyed by a creation sequence number, which gives every list a stable
//! order; hash maps index them by lower-case email (org-owned and Adobe IDs apart) and by
//! `username|domain`. Memberships are kept on both sides (user → group ids, group → user
//! sequence numbers).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use crate::fast_hash::FastMap;

use serde::Serialize;

/// The identity type of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdType {
    Adobe,
    Enterprise,
    Federated,
}

impl IdType {
    pub(crate) fn wire(self) -> &'static str {
        match self {
            IdType::Adobe => "adobeID",
            IdType::Enterprise => "enterpriseID",
            IdType::Federated => "federatedID",
        }
    }
}

/// The type of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupType {
    UserGroup,
    ProductProfile,
    Sysadmin,
    DeploymentAdmin,
    SupportAdmin,
    ProductAdmin,
    ProfileAdmin,
    UserAdmin,
    Developer,
    ContractAdmin,
}

impl GroupType {
    pub(crate) fn wire(self) -> &'static str {
        match self {
            GroupType::UserGroup => "USER_GROUP",
            GroupType::ProductProfile => "PRODUCT_PROFILE",
            GroupType::Sysadmin => "SYSADMIN_GROUP",
            GroupType::DeploymentAdmin => "DEPLOYMENT_ADMIN_GROUP",
            GroupType::SupportAdmin => "SUPPORT_ADMIN_GROUP",
            GroupType::ProductAdmin => "PRODUCT_ADMIN_GROUP",
            GroupType::ProfileAdmin => "PROFILE_ADMIN_GROUP",
            GroupType::UserAdmin => "USER_ADMIN_GROUP",
            GroupType::Developer => "DEVELOPER_GROUP",
            GroupType::ContractAdmin => "CONTRACT_ADMIN_GROUP",
        }
    }
}

/// One user of the organisation.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub id: String,
    pub email: String,
    pub username: String,
    pub domain: String,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub country: Option<String>,
    pub id_type: IdType,
    /// Direct memberships (group ids).
    pub groups: BTreeSet<u64>,
}

/// One group: user group, product profile or admin group.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub id: u64,
    pub name: String,
    pub kind: GroupType,
    pub description: Option<String>,
    pub read_only: bool,
    /// Product of a profile, or of a product admin group.
    pub product_name: Option<String>,
    /// Licence quota of a profile (a number, or `UNLIMITED`).
    pub license_quota: Option<String>,
    /// The group an admin group (`_admin_X`, `_developer_X`) administers.
    pub target: Option<u64>,
    pub contract_name: Option<String>,
    /// Direct members (user sequence numbers).
    pub members: BTreeSet<u64>,
    /// For user groups: the product profiles membership grants.
    pub profiles: BTreeSet<u64>,
}

impl Group {
    pub(crate) fn new(name: impl Into<String>, kind: GroupType) -> Group {
        Group {
            id: 0,
            name: name.into(),
            kind,
            description: None,
            read_only: false,
            product_name: None,
            license_quota: None,
            target: None,
            contract_name: None,
            members: BTreeSet::new(),
            profiles: BTreeSet::new(),
        }
    }

    /// The numeric licence quota, `None` for unlimited.
    fn quota(&self) -> Option<usize> {
        self.license_quota.as_deref().and_then(|q| q.parse().ok())
    }
}

/// A group name resolved for a membership change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// The group exists.
    Existing(u64),
    /// An admin group whose base exists: it is created on first use.
    Creatable {
        name: String,
        kind: GroupType,
        target: Option<u64>,
        product: Option<String>,
    },
}

/// Groups that UMAPI never lets one assign or remove.
pub(crate) const PROTECTED_GROUPS: [&str; 3] =
    ["_org_admin", "_compartment_admin", "_compartment_viewer"];

/// The user shape UMAPI lists.
#[derive(Debug, Serialize)]
pub(crate) struct WireUser<'a> {
    id: &'a str,
    email: &'a str,
    status: &'static str,
    username: &'a str,
    domain: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    firstname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lastname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<Vec<&'a str>>,
}

/// A user group as the deprecated user-groups listing shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireUserGroup<'a> {
    group_id: u64,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    user_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    admin_group_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    admin_group_name: Option<&'a str>,
    admin_count: String,
    is_read_only: bool,
}

/// The group shape UMAPI lists.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireGroup<'a> {
    group_id: u64,
    group_name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    member_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    admin_group_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_group_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    product_profile_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    product_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    license_quota: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contract_name: Option<&'a str>,
}

/// Filters of a user listing.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserFilter {
    pub domain: Option<String>,
    /// Only active (`Some(true)`) or inactive (`Some(false)`) licences of a product profile.
    pub licence_active: Option<bool>,
    pub direct_only: bool,
}

/// Where a listing lands: the members in order, the total and the page asked for.
#[derive(Debug)]
pub(crate) struct PageSlice<T> {
    pub items: Vec<T>,
    pub total: usize,
    pub page_count: usize,
    pub current: usize,
    pub last: bool,
}

/// Cuts page `page` (0-based, clamped to the last page) of `size` out of `total` entries.
pub(crate) fn page_bounds(total: usize, page: u64, size: usize) -> (usize, usize, usize) {
    let page_count = total.div_ceil(size).max(1);
    let current = usize::try_from(page)
        .unwrap_or(usize::MAX)
        .min(page_count - 1);
    (page_count, current, current * size)
}

/// The organisation.
#[derive(Debug)]
pub(crate) struct Store {
    pub org_id: String,
    /// Claimed domains (lower case) and the type of their directory.
    pub claimed: BTreeMap<String, IdType>,
    /// Technical accounts: counted in `X-Total-Count`, never listed.
    pub tech_accounts: usize,
    users: BTreeMap<u64, User>,
    next_user: u64,
    org_by_email: FastMap<String, u64>,
    adobe_by_email: FastMap<String, u64>,
    by_username: FastMap<String, u64>,
    groups: BTreeMap<u64, Group>,
    group_by_name: FastMap<String, u64>,
    next_group: u64,
    rng: fastrand::Rng,
}

/// `s` in ASCII lower case, copied only when it has upper-case letters (lookups are hot: every
/// action step names users and groups).
fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

fn username_key(username: &str, domain: &str) -> String {
    let mut key = String::with_capacity(username.len() + 1 + domain.len());
    key.push_str(username);
    key.push('|');
    key.push_str(domain);
    key.make_ascii_lowercase();
    key
}

/// The domain part of an email-form string, lower case.
pub(crate) fn email_domain(s: &str) -> Option<String> {
    s.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase())
}

impl Store {
    pub(crate) fn new(
        org_id: String,
        claimed: BTreeMap<String, IdType>,
        mut rng: fastrand::Rng,
    ) -> Store {
        let first_group = 4_147_407 + rng.u64(0..1000) * 1000;
        Store {
            org_id,
            claimed,
            tech_accounts: 0,
            users: BTreeMap::new(),
            next_user: 1,
            org_by_email: FastMap::default(),
            adobe_by_email: FastMap::default(),
            by_username: FastMap::default(),
            groups: BTreeMap::new(),
            group_by_name: FastMap::default(),
            next_group: first_group,
            rng,
        }
    }

    // ----- users -----

    /// A fresh user id in UMAPI's style: 24 hex digits, `@`, 4 hex digits, `.e`.
    pub(crate) fn new_user_id(&mut self) -> String {
        let hi = self.rng.u64(..);
        let lo = self.rng.u32(..);
        let tail = self.rng.u16(..);
        format!("{hi:016X}{lo:08X}@{tail:04x}.e")
    }

    /// Adds a user (its `groups` must be empty) and returns its sequence number.
    pub(crate) fn insert_user(&mut self, user: User) -> u64 {
        let seq = self.next_user;
        self.next_user += 1;
        self.index_user(seq, &user);
        self.users.insert(seq, user);
        seq
    }

    fn index_user(&mut self, seq: u64, user: &User) {
        let email = user.email.to_ascii_lowercase();
        if user.id_type == IdType::Adobe {
            self.adobe_by_email.insert(email, seq);
        } else {
            self.org_by_email.insert(email, seq);
            self.by_username
                .insert(username_key(&user.username, &user.domain), seq);
        }
    }

    fn unindex_user(&mut self, seq: u64) {
        let Some(user) = self.users.get(&seq) else {
            return;
        };
        let email = user.email.to_ascii_lowercase();
        let key = username_key(&user.username, &user.domain);
        let adobe = user.id_type == IdType::Adobe;
        if adobe {
            if self.adobe_by_email.get(&email) == Some(&seq) {
                self.adobe_by_email.remove(&email);
            }
        } else {
            if self.org_by_email.get(&email) == Some(&seq) {
                self.org_by_email.remove(&email);
            }
            if self.by_username.get(&key) == Some(&seq) {
                self.by_username.remove(&key);
            }
        }
    }

    pub(crate) fn user(&self, seq: u64) -> Option<&User> {
        self.users.get(&seq)
    }

    /// The users in creation order, as the JumpCloud seed takes them (see [`crate::company`]).
    pub(crate) fn people(&self) -> Vec<crate::company::Person> {
        self.users
            .values()
            .map(|u| crate::company::Person {
                email: u.email.clone(),
                username: u.username.clone(),
                firstname: u.firstname.clone(),
                lastname: u.lastname.clone(),
                country: u.country.clone(),
                adobe_id: u.id_type == IdType::Adobe,
            })
            .collect()
    }

    /// Changes a user's identity fields, keeping the indexes right.
    pub(crate) fn edit_user(&mut self, seq: u64, edit: impl FnOnce(&mut User)) {
        self.unindex_user(seq);
        if let Some(mut user) = self.users.remove(&seq) {
            edit(&mut user);
            self.index_user(seq, &user);
            self.users.insert(seq, user);
        }
    }

    /// Removes a user from the organisation and from all its groups.
    pub(crate) fn delete_user(&mut self, seq: u64) {
        self.unindex_user(seq);
        if let Some(user) = self.users.remove(&seq) {
            for gid in user.groups {
                if let Some(g) = self.groups.get_mut(&gid) {
                    g.members.remove(&seq);
                }
            }
        }
    }

    /// An org-owned user by email.
    pub(crate) fn org_user_by_email(&self, email: &str) -> Option<u64> {
        self.org_by_email.get(lower(email).as_ref()).copied()
    }

    /// An org-owned user by username and directory domain.
    pub(crate) fn org_user_by_username(&self, username: &str, domain: &str) -> Option<u64> {
        self.by_username
            .get(&username_key(username, domain))
            .copied()
    }

    /// An Adobe ID by email.
    pub(crate) fn adobe_user_by_email(&self, email: &str) -> Option<u64> {
        self.adobe_by_email.get(lower(email).as_ref()).copied()
    }

    /// The user a command entry names (`user`, `domain`, `useAdobeID`).
    pub(crate) fn find_user(
        &self,
        user: &str,
        domain: Option<&str>,
        prefer_adobe: bool,
    ) -> Option<u64> {
        if user.contains('@') {
            let org = self
                .org_user_by_email(user)
                .or_else(|| email_domain(user).and_then(|d| self.org_user_by_username(user, &d)));
            let adobe = self.adobe_user_by_email(user);
            if prefer_adobe {
                adobe.or(org)
            } else {
                org.or(adobe)
            }
        } else {
            domain.and_then(|d| self.org_user_by_username(user, d))
        }
    }

    /// The user of `GET /organizations/{org}/users/{userString}?domain=`.
    pub(crate) fn lookup(&self, user: &str, domain: Option<&str>) -> Option<u64> {
        match domain {
            Some(d) if d.eq_ignore_ascii_case("AdobeID") => self.adobe_user_by_email(user),
            Some(d) => self.org_user_by_username(user, d).or_else(|| {
                self.org_user_by_email(user).filter(|seq| {
                    self.users
                        .get(seq)
                        .is_some_and(|u| u.domain.eq_ignore_ascii_case(d))
                })
            }),
            None => self.find_user(user, None, false),
        }
    }

    #[cfg(test)]
    pub(crate) fn user_count(&self) -> usize {
        self.users.len()
    }

    /// Whether any listed user or claimed domain uses this domain.
    pub(crate) fn known_domain(&self, domain: &str) -> bool {
        let d = domain.to_ascii_lowercase();
        self.claimed.contains_key(&d)
            || self
                .users
                .values()
                .any(|u| u.domain.eq_ignore_ascii_case(&d))
    }

    // ----- groups -----

    /// Adds a group and returns its id.
    pub(crate) fn insert_group(&mut self, mut group: Group) -> u64 {
        let gid = self.next_group;
        self.next_group += 1 + self.rng.u64(0..3);
        group.id = gid;
        self.group_by_name
            .insert(group.name.to_ascii_lowercase(), gid);
        self.groups.insert(gid, group);
        gid
    }

    pub(crate) fn group_id(&self, name: &str) -> Option<u64> {
        self.group_by_name.get(lower(name).as_ref()).copied()
    }

    pub(crate) fn group(&self, gid: u64) -> Option<&Group> {
        self.groups.get(&gid)
    }

    pub(crate) fn group_mut(&mut self, gid: u64) -> Option<&mut Group> {
        self.groups.get_mut(&gid)
    }

    pub(crate) fn group_by_name(&self, name: &str) -> Option<&Group> {
        self.group_id(name).and_then(|gid| self.groups.get(&gid))
    }

    pub(crate) fn groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.values()
    }

    pub(crate) fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// Whether some product profile belongs to this product.
    fn product_exists(&self, product: &str) -> bool {
        self.groups.values().any(|g| {
            g.kind == GroupType::ProductProfile
                && g.product_name
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(product))
        })
    }

    /// Resolves a group name of a membership change, including admin groups that do not exist
    /// yet but whose base does (`_admin_X`, `_product_admin_P`, `_developer_X`).
    pub(crate) fn resolve(&self, name: &str) -> Option<Resolved> {
        if let Some(gid) = self.group_id(name) {
            return Some(Resolved::Existing(gid));
        }
        if let Some(base) = strip_prefix_ci(name, "_product_admin_") {
            return self.product_exists(base).then(|| Resolved::Creatable {
                name: name.to_owned(),
                kind: GroupType::ProductAdmin,
                target: None,
                product: Some(base.to_owned()),
            });
        }
        if let Some(base) = strip_prefix_ci(name, "_developer_") {
            let target = self.group_by_name(base)?;
            return (target.kind == GroupType::ProductProfile).then(|| Resolved::Creatable {
                name: name.to_owned(),
                kind: GroupType::Developer,
                target: Some(target.id),
                product: None,
            });
        }
        if let Some(base) = strip_prefix_ci(name, "_admin_") {
            let target = self.group_by_name(base)?;
            let kind = match target.kind {
                GroupType::UserGroup => GroupType::UserAdmin,
                GroupType::ProductProfile => GroupType::ProfileAdmin,
                _ => return None,
            };
            return Some(Resolved::Creatable {
                name: format!("_admin_{}", target.name),
                kind,
                target: Some(target.id),
                product: None,
            });
        }
        None
    }

    /// Turns a resolution into a group id, creating the admin group if needed.
    pub(crate) fn materialize(&mut self, resolved: Resolved) -> u64 {
        match resolved {
            Resolved::Existing(gid) => gid,
            Resolved::Creatable {
                name,
                kind,
                target,
                product,
            } => {
                let mut g = Group::new(name, kind);
                g.target = target;
                g.product_name = product;
                self.insert_group(g)
            }
        }
    }

    pub(crate) fn add_member(&mut self, gid: u64, seq: u64) {
        if let (Some(g), Some(u)) = (self.groups.get_mut(&gid), self.users.get_mut(&seq)) {
            g.members.insert(seq);
            u.groups.insert(gid);
        }
    }

    pub(crate) fn remove_member(&mut self, gid: u64, seq: u64) {
        if let Some(g) = self.groups.get_mut(&gid) {
            g.members.remove(&seq);
        }
        if let Some(u) = self.users.get_mut(&seq) {
            u.groups.remove(&gid);
        }
    }

    /// The admin group of a group (`_admin_<name>`), when it exists.
    pub(crate) fn admin_group_of(&self, gid: u64) -> Option<u64> {
        let g = self.groups.get(&gid)?;
        self.group_id(&format!("_admin_{}", g.name))
    }

    /// Renames a group, and its admin group with it.
    pub(crate) fn rename_group(&mut self, gid: u64, new_name: &str) {
        let admin = self.admin_group_of(gid);
        if let Some(g) = self.groups.get_mut(&gid) {
            self.group_by_name.remove(&g.name.to_ascii_lowercase());
            g.name = new_name.to_owned();
            self.group_by_name
                .insert(new_name.to_ascii_lowercase(), gid);
        }
        if let Some(aid) = admin {
            self.rename_group(aid, &format!("_admin_{new_name}"));
        }
    }

    /// Deletes a group, its admin group, and every membership in them.
    pub(crate) fn delete_group(&mut self, gid: u64) {
        if let Some(aid) = self.admin_group_of(gid) {
            self.delete_group(aid);
        }
        if let Some(g) = self.groups.remove(&gid) {
            self.group_by_name.remove(&g.name.to_ascii_lowercase());
            for seq in g.members {
                if let Some(u) = self.users.get_mut(&seq) {
                    u.groups.remove(&gid);
                }
            }
        }
        for g in self.groups.values_mut() {
            g.profiles.remove(&gid);
        }
    }

    // ----- wire shapes -----

    /// The names of a user's groups: direct ones, plus (unless `direct_only`) the product profiles
    /// reached through user groups.
    pub(crate) fn group_names(&self, user: &User, direct_only: bool) -> Vec<&str> {
        let mut names: Vec<&str> = user
            .groups
            .iter()
            .filter_map(|gid| self.groups.get(gid))
            .map(|g| g.name.as_str())
            .collect();
        if !direct_only {
            let mut extra = BTreeSet::new();
            for gid in &user.groups {
                if let Some(g) = self.groups.get(gid) {
                    extra.extend(g.profiles.iter().filter(|p| !user.groups.contains(p)));
                }
            }
            names.extend(
                extra
                    .iter()
                    .filter_map(|gid| self.groups.get(gid))
                    .map(|g| g.name.as_str()),
            );
        }
        names
    }

    pub(crate) fn wire_user<'a>(
        &'a self,
        user: &'a User,
        direct_only: bool,
        with_groups: bool,
    ) -> WireUser<'a> {
        let groups = if with_groups {
            Some(self.group_names(user, direct_only)).filter(|g| !g.is_empty())
        } else {
            None
        };
        WireUser {
            id: &user.id,
            email: &user.email,
            status: "active",
            username: &user.username,
            domain: &user.domain,
            firstname: user.firstname.as_deref(),
            lastname: user.lastname.as_deref(),
            country: user.country.as_deref(),
            kind: user.id_type.wire(),
            groups,
        }
    }

    pub(crate) fn wire_group<'a>(&'a self, g: &'a Group) -> WireGroup<'a> {
        let target_name = g
            .target
            .and_then(|t| self.groups.get(&t))
            .map(|t| t.name.as_str());
        let admin_group_name = match g.kind {
            GroupType::UserGroup | GroupType::ProductProfile | GroupType::ContractAdmin => self
                .admin_group_of(g.id)
                .and_then(|a| self.groups.get(&a))
                .map(|a| a.name.clone()),
            _ => None,
        };
        WireGroup {
            group_id: g.id,
            group_name: &g.name,
            kind: g.kind.wire(),
            member_count: g.members.len(),
            admin_group_name,
            user_group_name: target_name.filter(|_| g.kind == GroupType::UserAdmin),
            product_profile_name: target_name
                .filter(|_| matches!(g.kind, GroupType::ProfileAdmin | GroupType::Developer)),
            product_name: g.product_name.as_deref(),
            license_quota: g.license_quota.as_deref(),
            contract_name: g.contract_name.as_deref(),
        }
    }

    /// The user groups as the deprecated `GET /{orgId}/user-groups` lists them, in id order.
    pub(crate) fn wire_user_groups(&self) -> Vec<WireUserGroup<'_>> {
        self.groups
            .values()
            .filter(|g| g.kind == GroupType::UserGroup)
            .map(|g| {
                let admin = self.admin_group_of(g.id).and_then(|a| self.groups.get(&a));
                WireUserGroup {
                    group_id: g.id,
                    name: &g.name,
                    kind: "USER_GROUP",
                    user_count: g.members.len(),
                    admin_group_id: admin.map(|a| a.id),
                    admin_group_name: admin.map(|a| a.name.as_str()),
                    // A string on the wire, as UMAPI sends it.
                    admin_count: admin.map_or(0, |a| a.members.len()).to_string(),
                    is_read_only: g.read_only,
                }
            })
            .collect()
    }

    // ----- listings -----

    /// A page of the organisation's users.
    pub(crate) fn list_users(
        &self,
        filter: &UserFilter,
        page: u64,
        size: usize,
    ) -> PageSlice<&User> {
        match &filter.domain {
            None => {
                let total = self.users.len();
                let (page_count, current, skip) = page_bounds(total, page, size);
                let items = self.users.values().skip(skip).take(size).collect();
                PageSlice {
                    items,
                    total: total + self.tech_accounts,
                    page_count,
                    current,
                    last: current + 1 == page_count,
                }
            }
            Some(d) => {
                let matching: Vec<&User> = self
                    .users
                    .values()
                    .filter(|u| u.domain.eq_ignore_ascii_case(d))
                    .collect();
                paged(matching, page, size)
            }
        }
    }

    /// A page of the members of a group (`gid` None: an admin group not created yet, no members).
    pub(crate) fn list_members(
        &self,
        gid: Option<u64>,
        filter: &UserFilter,
        page: u64,
        size: usize,
    ) -> PageSlice<&User> {
        let Some(g) = gid.and_then(|gid| self.groups.get(&gid)) else {
            return paged(Vec::new(), page, size);
        };
        let mut members: BTreeSet<u64> = g.members.clone();
        if g.kind == GroupType::ProductProfile && !filter.direct_only {
            for ug in self.groups.values() {
                if ug.kind == GroupType::UserGroup && ug.profiles.contains(&g.id) {
                    members.extend(ug.members.iter().copied());
                }
            }
        }
        let quota = if g.kind == GroupType::ProductProfile {
            g.quota()
        } else {
            None
        };
        let matching: Vec<&User> = members
            .iter()
            .enumerate()
            .filter(|(i, _)| match (filter.licence_active, g.kind) {
                (Some(want), GroupType::ProductProfile) => quota.is_none_or(|q| *i < q) == want,
                _ => true,
            })
            .filter_map(|(_, seq)| self.users.get(seq))
            .filter(|u| {
                filter
                    .domain
                    .as_deref()
                    .is_none_or(|d| u.domain.eq_ignore_ascii_case(d))
            })
            .collect();
        paged(matching, page, size)
    }
}

fn paged<T>(all: Vec<T>, page: u64, size: usize) -> PageSlice<T> {
    let total = all.len();
    let (page_count, current, skip) = page_bounds(total, page, size);
    let items = all.into_iter().skip(skip).take(size).collect();
    PageSlice {
        items,
        total,
        page_count,
        current,
        last: current + 1 == page_count,
    }
}

/// `s` without `prefix`, compared case-insensitively.
pub(crate) fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
        .filter(|rest| !rest.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(page_bounds(0, 0, 10), (1, 0, 0));
        assert_eq!(page_bounds(25, 1, 10), (3, 1, 10));
        assert_eq!(page_bounds(25, 99, 10), (3, 2, 20));
        assert_eq!(page_bounds(20, 5, 10), (2, 1, 10));
    }

    #[test]
    fn prefix() {
        assert_eq!(strip_prefix_ci("_ADMIN_Foo", "_admin_"), Some("Foo"));
        assert_eq!(strip_prefix_ci("_admin_", "_admin_"), None);
        assert_eq!(strip_prefix_ci("é", "_admin_"), None);
    }
}
