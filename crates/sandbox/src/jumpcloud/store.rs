//! One JumpCloud organisation's state: system users and systems (v1), user groups and system
//! groups (v2), and the graph between them: group membership and associations. Records are kept
//! as JSON objects in the wire shape of the specs; every edge is kept from both ends, so that
//! each side's view agrees and deleting an object removes all of its edges.

use std::collections::{BTreeMap, BTreeSet};

use crate::company::{self, ADOBE_GROUPS, MIN_GROUPS_FOR_ADOBE, Person, Seat};
use crate::fast_hash::FastMap;

use serde_json::{Map, Value, json};

use super::collections::{Parent, table};
pub(crate) use super::kind::Kind;
use super::objects::{Object, Objects};

/// Why a write was refused: (HTTP status, JumpCloud's message).
pub(crate) type Refusal = (u16, String);

/// One hop of a graph path: (from id, from kind, to id, to kind).
pub(crate) type Hop = (String, Kind, String, Kind);

/// An association's key: its two ids in order, so that either end finds it.
fn edge_key(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_owned(), b.to_owned())
    } else {
        (b.to_owned(), a.to_owned())
    }
}

/// One organisation's objects.
#[derive(Debug, Default)]
pub(crate) struct JcStore {
    /// The organisation's id: every record's `organization`.
    org_id: String,
    id_prefix: u32,
    next_id: u64,
    /// The last `unix_uid` handed out, less 5000.
    next_uid: u64,
    users: BTreeMap<String, Map<String, Value>>,
    /// The user ids in creation order (ids grow, so also sorted): a page starts at `skip`
    /// directly.
    user_order: Vec<String>,
    by_username: FastMap<String, String>,
    by_email: FastMap<String, String>,
    systems: BTreeMap<String, Map<String, Value>>,
    groups: BTreeMap<String, (Kind, Map<String, Value>)>,
    group_by_name: FastMap<(Kind, String), String>,
    /// group -> members, and member -> groups.
    members: BTreeMap<String, BTreeSet<String>>,
    member_of: BTreeMap<String, BTreeSet<String>>,
    /// Associations, kept symmetric.
    assoc: BTreeMap<String, BTreeSet<String>>,
    /// The attributes of associations that have some (sudo on a user–system edge), by the
    /// edge's two ids in order.
    edge_attributes: FastMap<(String, String), Map<String, Value>>,
    /// Creation timestamps are deterministic: a fixed epoch plus one second per object.
    clock: u64,
    /// The records of every other collection.
    pub(crate) objects: Objects,
    /// The organisation's approval-flow settings (`/approvalflowsettings`).
    pub(crate) approval_settings: Map<String, Value>,
    /// Bulk user jobs: id -> one result per entry.
    bulk_jobs: FastMap<String, Vec<Value>>,
}

const FIRST_NAMES: [&str; 8] = [
    "Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances",
];
const LAST_NAMES: [&str; 8] = [
    "Lovelace", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen",
];
const DEPARTMENTS: [&str; 4] = ["Engineering", "Sales", "Finance", "Support"];
const JOB_TITLES: [&str; 6] = [
    "Software Engineer",
    "Account Executive",
    "Financial Analyst",
    "Support Specialist",
    "Designer",
    "Team Lead",
];
const LOCATIONS: [&str; 5] = ["New York", "London", "Berlin", "Tokyo", "Remote"];
/// (name prefix, os, version, os family, file system, serial number prefix).
const SYSTEM_KINDS: [(&str, &str, &str, &str, &str, &str); 3] = [
    ("web", "Ubuntu", "22.04", "linux", "ext4", "VMW-"),
    ("laptop", "Mac OS X", "14.5", "darwin", "apfs", "C02"),
    ("desk", "Windows", "11 Pro", "windows", "NTFS", "PF"),
];

/// The size of a seeded organisation.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sizes {
    pub(crate) users: usize,
    pub(crate) systems: usize,
    pub(crate) groups: usize,
}

/// The body of seeded user `u`: Adobe user `u`'s person or a new hire (see [`crate::company`]).
fn seeded_user(u: usize, person: Option<&Person>, roll: u32, rng: &mut fastrand::Rng) -> Value {
    let first_pick = FIRST_NAMES[rng.usize(..FIRST_NAMES.len())];
    let last_pick = LAST_NAMES[rng.usize(..LAST_NAMES.len())];
    let seat = person.map_or(Seat::NewHire, |p| company::seat(u, p, roll));
    let (username, email, first, last) = match (seat, person) {
        (Seat::Same { renamed }, Some(p)) => {
            let local = p.username.split('@').next().unwrap_or(&p.username);
            (
                local.to_owned(),
                p.email.clone(),
                p.firstname.clone().unwrap_or_else(|| first_pick.to_owned()),
                renamed
                    .map(str::to_owned)
                    .or_else(|| p.lastname.clone())
                    .unwrap_or_else(|| last_pick.to_owned()),
            )
        }
        _ => {
            let first = person
                .and_then(|p| p.firstname.as_deref())
                .unwrap_or(first_pick);
            let last = person
                .and_then(|p| p.lastname.as_deref())
                .unwrap_or(last_pick);
            let username = format!(
                "{}.{}.new{u}",
                first.to_ascii_lowercase(),
                last.to_ascii_lowercase()
            );
            let email = format!("{username}@example.com");
            (username, email, first.to_owned(), last.to_owned())
        }
    };
    let (state, activated, suspended) = company::state(u);
    let mut body = json!({
        "username": username,
        "email": email,
        "firstname": first,
        "lastname": last,
        "department": DEPARTMENTS[u % DEPARTMENTS.len()],
        "state": state,
        "activated": activated,
        "suspended": suspended,
        // Employee fields, from the index so the seed's other draws stay as they were.
        "displayname": format!("{first} {last}"),
        "employeeIdentifier": format!("E{:05}", 1000 + u),
        "employeeType": if u % 9 == 8 { "Contractor" } else { "Employee" },
        "jobTitle": JOB_TITLES[u % JOB_TITLES.len()],
        "company": "Example Corp",
        "costCenter": format!("CC-{}", 100 + (u % DEPARTMENTS.len()) * 10),
        "location": LOCATIONS[u % LOCATIONS.len()],
        "phoneNumbers": [{"type": "work", "number": format!("+1 555 01{:02}", u % 100)}],
        "attributes": [{"name": "badgeNumber", "value": format!("{}", 40_000 + u)}],
    });
    if let Some(code) = person.and_then(|p| p.country.as_deref()) {
        let country = match rng.u32(0..10) {
            0..=3 => Some(code.to_owned()),
            4..=6 => company::country_name(code).map(str::to_owned),
            _ => None,
        };
        if let Some(country) = country {
            body["addresses"] = json!([{"type": "work", "country": country}]);
        }
    }
    body
}

impl JcStore {
    /// A seeded organisation of the company's `people` (see [`crate::company`]): users in one or
    /// two department groups and some in the groups mapped to Adobe; systems each in one system group
    /// (`max(1, groups / 4)` of them); user group `i` associated with system group `i mod n`; and
    /// the first users associated directly with the system of the same index.
    pub(crate) fn seeded(seed: u64, org_id: &str, sizes: Sizes, people: &[Person]) -> JcStore {
        let mut rng = fastrand::Rng::with_seed(seed ^ 0x6a75_6d70);
        let mut s = JcStore {
            org_id: org_id.to_owned(),
            id_prefix: rng.u32(..),
            ..Default::default()
        };
        let adobe_groups = if sizes.groups >= MIN_GROUPS_FOR_ADOBE {
            ADOBE_GROUPS.len()
        } else {
            0
        };
        let departments = sizes.groups - adobe_groups;
        for g in 0..sizes.groups {
            let name = if g < departments {
                format!(
                    "{} {}",
                    DEPARTMENTS[g % DEPARTMENTS.len()],
                    g / DEPARTMENTS.len() + 1
                )
            } else {
                ADOBE_GROUPS[g - departments].0.to_owned()
            };
            let _ = s.create_group(
                Kind::UserGroup,
                json!({"name": name, "description": "seeded"}),
            );
        }
        let system_groups = if sizes.systems > 0 {
            (sizes.groups / 4).max(1)
        } else {
            0
        };
        for g in 0..system_groups {
            let kind = SYSTEM_KINDS[g % SYSTEM_KINDS.len()].0;
            let name = format!("{kind} fleet {}", g / SYSTEM_KINDS.len() + 1);
            let _ = s.create_group(
                Kind::SystemGroup,
                json!({"name": name, "description": "seeded"}),
            );
        }
        let all_groups = s.group_ids(Kind::UserGroup);
        let (user_groups, mapped) = all_groups.split_at(departments);
        let sys_groups = s.group_ids(Kind::SystemGroup);
        for (i, g) in all_groups.iter().enumerate() {
            if !sys_groups.is_empty() {
                s.associate(g, &sys_groups[i % sys_groups.len()]);
            }
        }
        for n in 0..sizes.systems {
            let id = s.seed_system(n);
            if !sys_groups.is_empty() {
                s.add_member(&sys_groups[n % sys_groups.len()], &id);
            }
        }
        let system_ids: Vec<String> = s.systems.keys().cloned().collect();
        for u in 0..sizes.users {
            let roll = rng.u32(0..100);
            let body = seeded_user(u, people.get(u), roll, &mut rng);
            let Ok(user) = s.create_user(body) else {
                continue;
            };
            let id = user["_id"].as_str().unwrap_or_default().to_owned();
            if !user_groups.is_empty() {
                let g = &user_groups[rng.usize(..user_groups.len())];
                s.add_member(g, &id);
                if rng.bool() {
                    let g2 = &user_groups[rng.usize(..user_groups.len())];
                    s.add_member(g2, &id);
                }
            }
            for g in mapped {
                if rng.u32(0..7) == 0 {
                    s.add_member(g, &id);
                }
            }
            if let Some(system) = system_ids.get(u) {
                s.associate(&id, system);
                // Every fourth user administers their system: sudo, every eighth without a
                // password.
                if u % 4 == 0 {
                    let sudo = json!({"sudo": {"enabled": true, "withoutPassword": u % 8 == 0}});
                    if let Value::Object(attributes) = sudo {
                        s.set_edge_attributes(&id, system, attributes);
                    }
                }
            }
        }
        s.seed_objects();
        s
    }

    fn seed_system(&mut self, n: usize) -> String {
        let (kind, os, version, family, fs, serial) = SYSTEM_KINDS[n % SYSTEM_KINDS.len()];
        let id = self.new_id();
        let created = self.timestamp();
        let name = format!("{kind}-{n:03}");
        let system = json!({
            "_id": id,
            "id": id,
            "displayName": name,
            "hostname": format!("{name}.example.com"),
            "os": os,
            "version": version,
            "arch": if os == "Mac OS X" { "arm64" } else { "x86_64" },
            "agentVersion": "1.180.0",
            "created": created,
            "lastContact": created,
            "active": true,
            "allowMultiFactorAuthentication": false,
            "allowPublicKeyAuthentication": true,
            "allowSshPasswordAuthentication": false,
            "allowSshRootLogin": false,
            "modifySSHDConfig": false,
            "systemTimezone": 0,
            "tags": [],
            "osFamily": family,
            "fileSystem": fs,
            "serialNumber": format!("{serial}{:08X}", 0x51A0_0000_u32 + n as u32),
            "remoteIP": format!("203.0.113.{}", 1 + n % 254),
            "description": format!("{os} {version} {kind}"),
            "fde": {"active": family == "darwin", "keyPresent": family == "darwin"},
            "networkInterfaces": [{"name": "eth0", "family": "IPv4", "internal": false,
                                   "address": format!("10.0.{}.{}", n / 254, 1 + n % 254)}],
        });
        if let Value::Object(mut map) = system {
            map.insert("organization".into(), json!(self.org_id));
            self.systems.insert(id.clone(), map);
        }
        id
    }

    fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("{:08x}{:016x}", self.id_prefix, self.next_id)
    }

    fn timestamp(&mut self) -> String {
        self.clock += 1;
        // 2026-01-01T00:00:00Z plus the object counter.
        iso_time(1_767_225_600 + self.clock)
    }

    /// The kind of the object with this id, if it exists.
    pub(crate) fn kind(&self, id: &str) -> Option<Kind> {
        if self.users.contains_key(id) {
            Some(Kind::User)
        } else if self.systems.contains_key(id) {
            Some(Kind::System)
        } else if let Some((k, _)) = self.groups.get(id) {
            Some(*k)
        } else {
            let object = self.objects.get(id)?;
            table().collections[object.collection].kind
        }
    }

    /// The system users in creation order.
    pub(crate) fn users(&self) -> impl Iterator<Item = &Map<String, Value>> {
        self.users.values()
    }

    /// The system users in creation order from the `skip`-th on.
    pub(crate) fn users_from(&self, skip: usize) -> impl Iterator<Item = &Map<String, Value>> {
        self.user_order
            .get(skip..)
            .unwrap_or_default()
            .iter()
            .filter_map(|id| self.users.get(id))
    }

    pub(crate) fn user_count(&self) -> usize {
        self.users.len()
    }

    pub(crate) fn user(&self, id: &str) -> Option<&Map<String, Value>> {
        self.users.get(id)
    }

    /// The systems in creation order.
    pub(crate) fn systems(&self) -> impl Iterator<Item = &Map<String, Value>> {
        self.systems.values()
    }

    pub(crate) fn system(&self, id: &str) -> Option<&Map<String, Value>> {
        self.systems.get(id)
    }

    /// The first system's id (the one that signs in demos).
    pub(crate) fn first_system(&self) -> Option<&str> {
        self.systems.keys().next().map(String::as_str)
    }

    /// `POST /systemusers`: `username` and `email` are required and unique.
    pub(crate) fn create_user(&mut self, body: Value) -> Result<Value, Refusal> {
        let Value::Object(mut fields) = body else {
            return Err((400, "The request body must be a JSON object".into()));
        };
        let username = required_str(&fields, "username")?;
        let email = required_str(&fields, "email")?;
        self.check_unique(&username, &email, None)?;
        let id = self.new_id();
        fields.insert("_id".into(), json!(id));
        fields.insert("id".into(), json!(id));
        fields.insert("created".into(), json!(self.timestamp()));
        fields.entry("activated").or_insert(json!(false));
        fields.entry("state").or_insert(json!("ACTIVATED"));
        fields.entry("account_locked").or_insert(json!(false));
        fields.entry("suspended").or_insert(json!(false));
        fields.entry("sudo").or_insert(json!(false));
        fields
            .entry("mfa")
            .or_insert(json!({"configured": false, "exclusion": false}));
        fields.remove("password");
        fields.insert("organization".into(), json!(self.org_id));
        self.next_uid += 1;
        fields
            .entry("unix_uid")
            .or_insert(json!(5000 + self.next_uid));
        fields
            .entry("unix_guid")
            .or_insert(json!(5000 + self.next_uid));
        self.by_username
            .insert(username.to_ascii_lowercase(), id.clone());
        self.by_email.insert(email.to_ascii_lowercase(), id.clone());
        self.users.insert(id.clone(), fields.clone());
        self.user_order.push(id);
        Ok(Value::Object(fields))
    }

    /// `PUT /systemusers/{id}`: the given fields replace the stored ones.
    pub(crate) fn update_user(&mut self, id: &str, body: Value) -> Result<Value, Refusal> {
        let Value::Object(changes) = body else {
            return Err((400, "The request body must be a JSON object".into()));
        };
        let current = self.users.get(id).ok_or_else(not_found)?.clone();
        let username = changes
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or_else(|| current["username"].as_str().unwrap_or(""));
        let email = changes
            .get("email")
            .and_then(Value::as_str)
            .unwrap_or_else(|| current["email"].as_str().unwrap_or(""));
        if username.is_empty() || email.is_empty() {
            return Err((400, "username and email cannot be empty".into()));
        }
        self.check_unique(username, email, Some(id))?;
        let (username, email) = (
            username.trim().to_ascii_lowercase(),
            email.trim().to_ascii_lowercase(),
        );
        let lower = |k: &str| {
            current[k]
                .as_str()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        };
        self.by_username.remove(&lower("username"));
        self.by_email.remove(&lower("email"));
        self.by_username.insert(username, id.to_owned());
        self.by_email.insert(email, id.to_owned());
        let user = self.users.get_mut(id).ok_or_else(not_found)?;
        for (k, v) in changes {
            if !matches!(k.as_str(), "_id" | "id" | "created" | "password") {
                user.insert(k, v);
            }
        }
        Ok(Value::Object(user.clone()))
    }

    /// A new object id (for what is not a record: a command run's workflow).
    pub(crate) fn fresh_id(&mut self) -> String {
        self.new_id()
    }

    /// Keeps a bulk job's results; returns its id.
    pub(crate) fn add_bulk_job(&mut self, results: Vec<Value>) -> String {
        let id = self.new_id();
        self.bulk_jobs.insert(id.clone(), results);
        id
    }

    /// A bulk job's results.
    pub(crate) fn bulk_job(&self, id: &str) -> Option<&Vec<Value>> {
        self.bulk_jobs.get(id)
    }

    /// Sets fields the server changes itself (an expired password, an unlocked account).
    pub(crate) fn change_user(&mut self, id: &str, changes: Value) -> Result<(), Refusal> {
        let user = self.users.get_mut(id).ok_or_else(not_found)?;
        if let Value::Object(changes) = changes {
            user.extend(changes);
        }
        Ok(())
    }

    /// `DELETE /systemusers/{id}`: the user and every edge go.
    pub(crate) fn delete_user(&mut self, id: &str) -> Result<Value, Refusal> {
        let user = self.users.remove(id).ok_or_else(not_found)?;
        if let Ok(at) = self.user_order.binary_search_by(|x| x.as_str().cmp(id)) {
            self.user_order.remove(at);
        }
        let lower = |k: &str| user[k].as_str().unwrap_or("").trim().to_ascii_lowercase();
        self.by_username.remove(&lower("username"));
        self.by_email.remove(&lower("email"));
        self.remove_edges(id);
        Ok(Value::Object(user))
    }

    fn check_unique(
        &self,
        username: &str,
        email: &str,
        except: Option<&str>,
    ) -> Result<(), Refusal> {
        let taken = |map: &FastMap<String, String>, key: &str| {
            map.get(&key.trim().to_ascii_lowercase())
                .is_some_and(|other| Some(other.as_str()) != except)
        };
        if taken(&self.by_username, username) {
            return Err((409, format!("Username '{username}' already exists")));
        }
        if taken(&self.by_email, email) {
            return Err((409, format!("Email '{email}' already exists")));
        }
        Ok(())
    }

    /// `PUT /systems/{id}`: the writable fields of `systemput` replace the stored ones.
    pub(crate) fn update_system(&mut self, id: &str, body: Value) -> Result<Value, Refusal> {
        let Value::Object(changes) = body else {
            return Err((400, "The request body must be a JSON object".into()));
        };
        let system = self.systems.get_mut(id).ok_or_else(not_found)?;
        for (k, v) in changes {
            if !matches!(
                k.as_str(),
                "_id" | "id" | "created" | "hostname" | "os" | "version" | "arch" | "agentVersion"
            ) {
                system.insert(k, v);
            }
        }
        Ok(Value::Object(system.clone()))
    }

    /// `DELETE /systems/{id}`: the system and every edge go.
    pub(crate) fn delete_system(&mut self, id: &str) -> Result<Value, Refusal> {
        let system = self.systems.remove(id).ok_or_else(not_found)?;
        self.remove_edges(id);
        Ok(Value::Object(system))
    }

    /// The ids of the groups of one kind, in creation order.
    pub(crate) fn group_ids(&self, kind: Kind) -> Vec<String> {
        self.groups
            .iter()
            .filter(|(_, (k, _))| *k == kind)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The groups of one kind in creation order.
    pub(crate) fn groups(&self, kind: Kind) -> impl Iterator<Item = &Map<String, Value>> {
        self.groups
            .values()
            .filter(move |(k, _)| *k == kind)
            .map(|(_, g)| g)
    }

    /// A group of the given kind.
    pub(crate) fn group(&self, kind: Kind, id: &str) -> Option<&Map<String, Value>> {
        self.groups
            .get(id)
            .filter(|(k, _)| *k == kind)
            .map(|(_, g)| g)
    }

    /// `POST /usergroups`, `POST /systemgroups`: `name` is required and unique per kind.
    pub(crate) fn create_group(&mut self, kind: Kind, body: Value) -> Result<Value, Refusal> {
        let Value::Object(mut fields) = body else {
            return Err((400, "The request body must be a JSON object".into()));
        };
        let name = required_str(&fields, "name")?;
        let key = (kind, name.to_ascii_lowercase());
        if self.group_by_name.contains_key(&key) {
            return Err((409, format!("A group named '{name}' already exists")));
        }
        let id = self.new_id();
        fields.insert("id".into(), json!(id));
        fields.insert("type".into(), json!(kind.wire()));
        fields.entry("attributes").or_insert(json!({}));
        self.group_by_name.insert(key, id.clone());
        self.groups.insert(id.clone(), (kind, fields.clone()));
        self.members.insert(id, BTreeSet::new());
        Ok(Value::Object(fields))
    }

    /// `PUT /usergroups/{id}`, `PUT /systemgroups/{id}`.
    pub(crate) fn update_group(
        &mut self,
        kind: Kind,
        id: &str,
        body: Value,
    ) -> Result<Value, Refusal> {
        let Value::Object(changes) = body else {
            return Err((400, "The request body must be a JSON object".into()));
        };
        let name = required_str(&changes, "name")?;
        let key = (kind, name.to_ascii_lowercase());
        if self
            .group_by_name
            .get(&key)
            .is_some_and(|other| other != id)
        {
            return Err((409, format!("A group named '{name}' already exists")));
        }
        let (_, group) = self
            .groups
            .get_mut(id)
            .filter(|(k, _)| *k == kind)
            .ok_or_else(not_found)?;
        for (k, v) in changes {
            if !matches!(k.as_str(), "id" | "type") {
                group.insert(k, v);
            }
        }
        let group = group.clone();
        self.group_by_name.retain(|_, v| v != id);
        self.group_by_name.insert(key, id.to_owned());
        Ok(Value::Object(group))
    }

    /// `DELETE /usergroups/{id}`, `DELETE /systemgroups/{id}`: the group and its edges go.
    pub(crate) fn delete_group(&mut self, kind: Kind, id: &str) -> Result<Value, Refusal> {
        if self.group(kind, id).is_none() {
            return Err(not_found());
        }
        let (_, group) = self.groups.remove(id).ok_or_else(not_found)?;
        self.group_by_name.retain(|_, v| v != id);
        self.remove_edges(id);
        Ok(Value::Object(group))
    }

    /// Removes every membership and association of an object, and the records nested under
    /// it (a user's SSH keys and push endpoints).
    fn remove_edges(&mut self, id: &str) {
        for nested in self.objects.nested_under(id) {
            if self.objects.remove(&nested).is_some() {
                self.remove_edges(&nested);
            }
        }
        for g in self.member_of.remove(id).unwrap_or_default() {
            if let Some(m) = self.members.get_mut(&g) {
                m.remove(id);
            }
        }
        for m in self.members.remove(id).unwrap_or_default() {
            if let Some(g) = self.member_of.get_mut(&m) {
                g.remove(id);
            }
        }
        for other in self.assoc.remove(id).unwrap_or_default() {
            if let Some(a) = self.assoc.get_mut(&other) {
                a.remove(id);
            }
            self.edge_attributes.remove(&edge_key(id, &other));
        }
    }

    /// Adds a member to a group (idempotent).
    pub(crate) fn add_member(&mut self, group: &str, member: &str) {
        self.members
            .entry(group.to_owned())
            .or_default()
            .insert(member.to_owned());
        self.member_of
            .entry(member.to_owned())
            .or_default()
            .insert(group.to_owned());
    }

    /// Removes a member from a group (idempotent).
    pub(crate) fn remove_member(&mut self, group: &str, member: &str) {
        if let Some(m) = self.members.get_mut(group) {
            m.remove(member);
        }
        if let Some(g) = self.member_of.get_mut(member) {
            g.remove(group);
        }
    }

    /// Associates two objects (idempotent, symmetric).
    pub(crate) fn associate(&mut self, a: &str, b: &str) {
        self.assoc
            .entry(a.to_owned())
            .or_default()
            .insert(b.to_owned());
        self.assoc
            .entry(b.to_owned())
            .or_default()
            .insert(a.to_owned());
    }

    /// Removes an association and its attributes (idempotent).
    pub(crate) fn dissociate(&mut self, a: &str, b: &str) {
        if let Some(x) = self.assoc.get_mut(a) {
            x.remove(b);
        }
        if let Some(x) = self.assoc.get_mut(b) {
            x.remove(a);
        }
        self.edge_attributes.remove(&edge_key(a, b));
    }

    /// Whether `a` and `b` are associated.
    pub(crate) fn is_associated(&self, a: &str, b: &str) -> bool {
        self.assoc.get(a).is_some_and(|x| x.contains(b))
    }

    /// Sets the attributes of the association between `a` and `b` (an empty map clears them).
    pub(crate) fn set_edge_attributes(&mut self, a: &str, b: &str, attributes: Map<String, Value>) {
        if attributes.is_empty() {
            self.edge_attributes.remove(&edge_key(a, b));
        } else {
            self.edge_attributes.insert(edge_key(a, b), attributes);
        }
    }

    /// The attributes of the association between `a` and `b`, if it has any.
    pub(crate) fn edge_attributes(&self, a: &str, b: &str) -> Option<&Map<String, Value>> {
        self.edge_attributes.get(&edge_key(a, b))
    }

    /// The member ids of a group.
    pub(crate) fn members_of(&self, group: &str) -> Vec<String> {
        self.members
            .get(group)
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The ids of the groups an object is a member of.
    pub(crate) fn groups_of(&self, member: &str) -> Vec<String> {
        self.member_of
            .get(member)
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The objects of kind `target` directly associated with `id`.
    pub(crate) fn associations(&self, id: &str, target: Kind) -> Vec<String> {
        self.assoc
            .get(id)
            .into_iter()
            .flatten()
            .filter(|other| self.kind(other) == Some(target))
            .cloned()
            .collect()
    }

    /// The objects of the `targets` kinds bound to `from` through the graph, with their kind
    /// and every path that binds them, as JumpCloud's traversals answer: up to the groups
    /// `from` is in, across one association, then down to the members of an associated group.
    pub(crate) fn traverse(&self, from: &str, targets: &[Kind]) -> BTreeMap<String, Reached> {
        let mut found: BTreeMap<String, Reached> = BTreeMap::new();
        let Some(from_kind) = self.kind(from) else {
            return found;
        };
        let hop = |a: &str, ak: Kind, b: &str, bk: Kind| (a.to_owned(), ak, b.to_owned(), bk);
        let mut reach = |id: &str, kind: Kind, path: Vec<Hop>| {
            if targets.contains(&kind) && id != from {
                found
                    .entry(id.to_owned())
                    .or_insert_with(|| (kind, Vec::new()))
                    .1
                    .push(path);
            }
        };
        let mut starts = vec![(from.to_owned(), from_kind, Vec::new())];
        for g in self.groups_of(from) {
            if let Some(gk) = self.kind(&g) {
                starts.push((g.clone(), gk, vec![hop(from, from_kind, &g, gk)]));
            }
        }
        for (node, node_kind, path) in starts {
            for other in self.assoc.get(&node).into_iter().flatten() {
                let Some(other_kind) = self.kind(other) else {
                    continue;
                };
                let mut path = path.clone();
                path.push(hop(&node, node_kind, other, other_kind));
                reach(other, other_kind, path.clone());
                for m in self.members.get(other).into_iter().flatten() {
                    if let Some(mk) = self.kind(m) {
                        let mut longer = path.clone();
                        longer.push(hop(other, other_kind, m, mk));
                        reach(m, mk, longer);
                    }
                }
            }
        }
        found
    }

    // ---- the other collections ----------------------------------------------------------

    /// Creates a record of collection `c` under `scope` from a request body: a new id (or the
    /// body's key field), `organization` and creation times set by the server, `name` unique
    /// where the collection requires one.
    pub(crate) fn create_object(
        &mut self,
        c: usize,
        scope: &str,
        body: Value,
    ) -> Result<Map<String, Value>, Refusal> {
        let coll = &table().collections[c];
        // Some creations take no body at all (a Duo account).
        let mut fields = match body {
            Value::Object(fields) => fields,
            Value::Null => Map::new(),
            _ => return Err((400, "Bad Request: the body must be a JSON object".into())),
        };
        let id = match coll.keyed_by {
            Some(field) => required_str(&fields, field)?,
            None if coll.uuid_ids => self.new_uuid(),
            None => self.new_id(),
        };
        if self.objects.get(&id).is_some() {
            return Err((409, format!("Conflict: {id} already exists")));
        }
        self.check_unique_name(c, scope, &fields, None)?;
        Self::keep_answerable(c, &mut fields);
        for f in &coll.id_fields {
            fields.insert((*f).to_owned(), json!(id));
        }
        self.stamp(c, &mut fields, true);
        let object = Object {
            collection: c,
            scope: scope.to_owned(),
            fields: fields.clone(),
        };
        self.objects.insert(id, object);
        Ok(fields)
    }

    /// `PUT`: the body replaces the record, but for what the server keeps (ids, organisation,
    /// creation time). `PATCH`: the body is merged in (objects property by property, RFC 7396).
    pub(crate) fn change_object(
        &mut self,
        c: usize,
        scope: &str,
        id: &str,
        body: Value,
        replace: bool,
    ) -> Result<Map<String, Value>, Refusal> {
        let changes = match body {
            Value::Object(changes) => changes,
            Value::Null => Map::new(),
            _ => return Err((400, "Bad Request: the body must be a JSON object".into())),
        };
        let current = self
            .objects
            .find(c, scope, id)
            .ok_or_else(not_found)?
            .fields
            .clone();
        let coll = &table().collections[c];
        let mut fields = if replace {
            let kept = |k: &str| {
                coll.id_fields.contains(&k) || is_server_field(k) || Some(k) == coll.keyed_by
            };
            current
                .iter()
                .filter(|(k, _)| kept(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        } else {
            current
        };
        for (k, v) in changes {
            if coll.id_fields.contains(&k.as_str()) || Some(k.as_str()) == coll.keyed_by {
                continue;
            }
            merge(fields.entry(k).or_insert(Value::Null), v);
        }
        self.check_unique_name(c, scope, &fields, Some(id))?;
        Self::keep_answerable(c, &mut fields);
        self.stamp(c, &mut fields, false);
        if let Some(o) = self.objects.get_mut(id) {
            o.fields = fields.clone();
        }
        Ok(fields)
    }

    /// Removes a record, the records nested under it and all of their edges.
    pub(crate) fn delete_object(
        &mut self,
        c: usize,
        scope: &str,
        id: &str,
    ) -> Result<Map<String, Value>, Refusal> {
        if self.objects.find(c, scope, id).is_none() {
            return Err(not_found());
        }
        let object = self.objects.remove(id).ok_or_else(not_found)?;
        self.remove_edges(id);
        Ok(object.fields)
    }

    /// The rows of a Directory Insights report made now: who is in which user group, who is
    /// bound to which device; other report types (patch levels, software) need agents, and are
    /// empty.
    pub(crate) fn report_rows(&self, kind: &str) -> Vec<Value> {
        let name = |id: &str, field: &str| -> Value {
            self.users
                .get(id)
                .or_else(|| self.systems.get(id))
                .or_else(|| self.groups.get(id).map(|(_, g)| g))
                .and_then(|r| r.get(field))
                .cloned()
                .unwrap_or(Value::Null)
        };
        let mut rows = Vec::new();
        match kind {
            "users-to-user-groups" => {
                for (gid, (k, _)) in &self.groups {
                    if *k != Kind::UserGroup {
                        continue;
                    }
                    for uid in self.members.get(gid).into_iter().flatten() {
                        rows.push(json!({"user_id": uid, "username": name(uid, "username"),
                                         "group_id": gid, "group_name": name(gid, "name")}));
                    }
                }
            }
            "users-to-devices" => {
                for uid in &self.user_order {
                    for (sid, _) in self.traverse(uid, &[Kind::System]) {
                        rows.push(json!({"user_id": uid, "username": name(uid, "username"),
                                         "system_id": sid, "hostname": name(&sid, "hostname")}));
                    }
                }
            }
            _ => {}
        }
        rows
    }

    /// The records whose collection holds objects of `kind`, in id order.
    pub(crate) fn objects_of_kind(&self, kind: Kind) -> Vec<(&String, &Map<String, Value>)> {
        let mut found: Vec<(&String, &Map<String, Value>)> = table()
            .collections
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == Some(kind))
            .flat_map(|(i, _)| self.objects.all_of(i).map(|(id, o)| (id, &o.fields)))
            .collect();
        found.sort_by(|a, b| a.0.cmp(b.0));
        found
    }

    /// Whether the parent a nested collection's path names exists.
    pub(crate) fn parent_exists(&self, parent: Parent, id: &str) -> bool {
        match parent {
            Parent::Collection(c) => self.objects.get(id).is_some_and(|o| o.collection == c),
            Parent::Core => self.kind(id).is_some() || id == self.org_id,
        }
    }

    fn check_unique_name(
        &self,
        c: usize,
        scope: &str,
        fields: &Map<String, Value>,
        except: Option<&str>,
    ) -> Result<(), Refusal> {
        let Some(field) = &table().collections[c].unique else {
            return Ok(());
        };
        let Some(name) = fields.get(field).and_then(Value::as_str) else {
            return Ok(());
        };
        let taken = self.objects.list(c, scope).any(|o| {
            o.fields
                .get(field)
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                && except.is_none_or(|id| {
                    table().collections[c]
                        .id_fields
                        .iter()
                        .all(|f| o.fields.get(*f).and_then(Value::as_str) != Some(id))
                })
        });
        if taken {
            return Err((409, format!("Conflict: {field} '{name}' is already in use")));
        }
        Ok(())
    }

    /// Drops the values whose JSON type is not the one the collection's answers give that
    /// property: where a spec's request and response disagree (the 2026 approval flows'
    /// `visibleTo` is a text in, an object out) the answer keeps to its schema, and shows the
    /// property at its default.
    fn keep_answerable(c: usize, fields: &mut Map<String, Value>) {
        for (name, expected) in &table().collections[c].properties {
            if fields
                .get(name)
                .is_some_and(|v| !super::collections::fits(v, expected))
            {
                fields.remove(name);
            }
        }
    }

    /// Sets what the server owns: the organisation, and the creation and update times the
    /// collection's schemas name.
    fn stamp(&mut self, c: usize, fields: &mut Map<String, Value>, created: bool) {
        let now = self.timestamp();
        for (name, schema) in &table().collections[c].properties {
            if schema.get("t").and_then(Value::as_str) != Some("s") {
                continue;
            }
            match name.as_str() {
                "organization" | "organizationId" | "orgId" | "organization_id" => {
                    fields.insert(name.clone(), json!(self.org_id));
                }
                "created" | "createdAt" | "created_at" | "creationDate" if created => {
                    fields.insert(name.clone(), json!(now));
                }
                "updated" | "updatedAt" | "updated_at" | "lastUpdated" | "lastModified" => {
                    fields.insert(name.clone(), json!(now));
                }
                _ => {}
            }
        }
    }

    /// A random-looking but deterministic UUID (version 4 layout).
    fn new_uuid(&mut self) -> String {
        let n = self.next_id + 1;
        let id = self.new_id();
        format!(
            "{}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            &id[..8],
            n >> 48 & 0xffff,
            n >> 36 & 0xfff,
            n >> 24 & 0xfff,
            n & 0xffff_ffff_ffff
        )
    }

    /// Seeds the collections that the API reads but cannot create (LDAP, G Suite and
    /// Office 365 directories, the Apple MDM, templates, results, push endpoints).
    fn seed_objects(&mut self) {
        let first_users: Vec<String> = self.users.keys().take(3).cloned().collect();
        for (c, coll) in table().collections.iter().enumerate() {
            if coll.creatable {
                continue;
            }
            let scopes: Vec<String> = match coll.parent {
                None => vec![String::new()],
                Some(Parent::Core) => first_users.clone(),
                Some(Parent::Collection(p)) => {
                    self.objects.all_of(p).map(|(id, _)| id.clone()).collect()
                }
            };
            for scope in scopes {
                for mut body in super::seeds::records(&coll.shape) {
                    // Only what the collection's schemas define.
                    if let Value::Object(fields) = &mut body {
                        fields.retain(|k, _| coll.properties.iter().any(|(p, _)| p == k));
                    }
                    let _ = self.create_object(c, &scope, body);
                }
            }
        }
    }
}

/// Whether a property is the server's to set (kept by a `PUT`).
fn is_server_field(k: &str) -> bool {
    matches!(
        k,
        "organization"
            | "organizationId"
            | "orgId"
            | "organization_id"
            | "created"
            | "createdAt"
            | "created_at"
            | "creationDate"
    )
}

/// JSON merge patch (RFC 7396) of `patch` into `target`.
fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                merge(t.entry(k).or_insert(Value::Null), v);
            }
        }
        (t, p) => *t = p,
    }
}

/// What a traversal found of one object: its kind and the paths to it.
pub(crate) type Reached = (Kind, Vec<Vec<Hop>>);

fn required_str(fields: &Map<String, Value>, name: &str) -> Result<String, Refusal> {
    match fields.get(name).and_then(Value::as_str).map(str::trim) {
        Some(s) if !s.is_empty() => Ok(s.to_owned()),
        _ => Err((400, format!("'{name}' is required"))),
    }
}

fn not_found() -> Refusal {
    (404, "Not Found".into())
}

/// `YYYY-MM-DDTHH:MM:SS.000Z` for seconds since the epoch.
fn iso_time(secs: u64) -> String {
    super::events::rfc3339_millis(secs as i64 * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iso_time(1_767_225_600), "2026-01-01T00:00:00.000Z");
        assert_eq!(iso_time(951_782_400), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn memberships_stay_consistent_from_both_ends() {
        let mut s = JcStore::seeded(1, "0123456789abcdef01234567", Sizes::default(), &[]);
        let u = s
            .create_user(json!({"username": "a", "email": "a@x.com"}))
            .unwrap();
        let uid = u["_id"].as_str().unwrap().to_owned();
        assert_eq!(uid.len(), 24);
        let g = s
            .create_group(Kind::UserGroup, json!({"name": "G"}))
            .unwrap();
        let gid = g["id"].as_str().unwrap().to_owned();
        s.add_member(&gid, &uid);
        assert_eq!(s.members_of(&gid), vec![uid.clone()]);
        assert_eq!(s.groups_of(&uid), vec![gid.clone()]);
        assert_eq!(
            s.create_user(json!({"username": "A", "email": "b@x.com"}))
                .unwrap_err()
                .0,
            409
        );
        // A system group may share a user group's name; two user groups may not.
        s.create_group(Kind::SystemGroup, json!({"name": "G"}))
            .unwrap();
        assert_eq!(
            s.create_group(Kind::UserGroup, json!({"name": "g"}))
                .unwrap_err()
                .0,
            409
        );
        s.delete_user(&uid).unwrap();
        assert!(s.members_of(&gid).is_empty());
        assert_eq!(s.delete_user(&uid).unwrap_err().0, 404);
    }

    #[test]
    fn names_are_indexed_trimmed_through_updates_and_deletes() {
        let mut s = JcStore::seeded(1, "0123456789abcdef01234567", Sizes::default(), &[]);
        let u = s
            .create_user(json!({"username": " bob ", "email": "bob@x.com"}))
            .unwrap();
        let id = u["_id"].as_str().unwrap().to_owned();
        s.update_user(&id, json!({"firstname": "B"})).unwrap();
        s.delete_user(&id).unwrap();
        // The name is free again, in either spelling.
        s.create_user(json!({"username": "bob", "email": "bob@x.com"}))
            .unwrap();
        assert_eq!(
            s.create_user(json!({"username": " BOB", "email": "b2@x.com"}))
                .unwrap_err()
                .0,
            409
        );
    }

    #[test]
    fn traversals_follow_groups_and_associations_both_ways() {
        let mut s = JcStore::seeded(1, "0123456789abcdef01234567", Sizes::default(), &[]);
        let id = |v: Value| v["_id"].as_str().or(v["id"].as_str()).unwrap().to_owned();
        let user = id(s
            .create_user(json!({"username": "u", "email": "u@x.com"}))
            .unwrap());
        let ug = id(s
            .create_group(Kind::UserGroup, json!({"name": "UG"}))
            .unwrap());
        let sg = id(s
            .create_group(Kind::SystemGroup, json!({"name": "SG"}))
            .unwrap());
        let system = s.seed_system(0);
        s.add_member(&ug, &user);
        s.add_member(&sg, &system);
        s.associate(&ug, &sg);
        // user -> user group -> system group -> system, and back.
        let reached = s.traverse(&user, &[Kind::System]);
        assert_eq!(reached.keys().collect::<Vec<_>>(), [&system]);
        assert_eq!(reached[&system].1[0].len(), 3);
        let back = s.traverse(&system, &[Kind::User]);
        assert_eq!(back.keys().collect::<Vec<_>>(), [&user]);
        assert_eq!(
            s.traverse(&system, &[Kind::UserGroup])
                .keys()
                .collect::<Vec<_>>(),
            [&ug]
        );
        // A direct association adds a second, shorter path.
        s.associate(&user, &system);
        assert_eq!(s.traverse(&user, &[Kind::System])[&system].1.len(), 2);
        assert_eq!(s.associations(&system, Kind::User), vec![user.clone()]);
        // Deleting the system removes it from every view.
        s.delete_system(&system).unwrap();
        assert!(s.traverse(&user, &[Kind::System]).is_empty());
        assert!(s.members_of(&sg).is_empty());
        assert!(s.associations(&user, Kind::System).is_empty());
    }

    #[test]
    fn edge_attributes_go_with_their_edge_or_either_end() {
        let mut s = JcStore::seeded(1, "0123456789abcdef01234567", Sizes::default(), &[]);
        let id = |v: Value| v["_id"].as_str().or(v["id"].as_str()).unwrap().to_owned();
        let sudo = || {
            json!({"sudo": {"enabled": true}})
                .as_object()
                .unwrap()
                .clone()
        };
        let user = |s: &mut JcStore, n: &str| {
            id(
                s.create_user(json!({"username": n, "email": format!("{n}@x.com")}))
                    .unwrap(),
            )
        };
        let (u1, u2, u3) = (user(&mut s, "a"), user(&mut s, "b"), user(&mut s, "c"));
        let ug = id(s
            .create_group(Kind::UserGroup, json!({"name": "UG"}))
            .unwrap());
        let (sys1, sys2) = (s.seed_system(0), s.seed_system(1));
        for (a, b) in [(&u1, &sys1), (&u2, &sys1), (&u3, &sys2), (&ug, &sys2)] {
            s.associate(a, b);
            s.set_edge_attributes(a, b, sudo());
            // Found from either end.
            assert!(s.edge_attributes(b, a).is_some());
        }
        s.dissociate(&sys1, &u1);
        s.delete_user(&u2).unwrap();
        s.delete_system(&sys2).unwrap();
        s.delete_group(Kind::UserGroup, &ug).unwrap();
        assert!(s.edge_attributes.is_empty(), "{:?}", s.edge_attributes);
        // An empty set clears them.
        s.associate(&u1, &sys1);
        s.set_edge_attributes(&u1, &sys1, sudo());
        s.set_edge_attributes(&u1, &sys1, Map::new());
        assert!(s.edge_attributes(&u1, &sys1).is_none());
    }

    #[test]
    fn seeding_is_deterministic() {
        let sizes = Sizes {
            users: 50,
            systems: 6,
            groups: 5,
        };
        let a = JcStore::seeded(7, "0123456789abcdef01234567", sizes, &[]);
        let b = JcStore::seeded(7, "0123456789abcdef01234567", sizes, &[]);
        assert_eq!(a.users.len(), 50);
        assert_eq!(a.systems.len(), 6);
        assert_eq!(a.users, b.users);
        assert_eq!(a.members, b.members);
        assert_eq!(a.assoc, b.assoc);
        // Every seeded system is reachable from some user.
        for system in a.systems.keys() {
            assert!(!a.traverse(system, &[Kind::User]).is_empty(), "{system}");
        }
    }
}
