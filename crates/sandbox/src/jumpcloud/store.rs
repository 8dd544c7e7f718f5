//! The JumpCloud organisation's state: system users (v1), user groups and their members (v2).
//! Records are kept as JSON objects in the wire shape of the specs; memberships are kept from
//! both ends so that either side's view agrees.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value, json};

/// Why a write was refused: (HTTP status, JumpCloud's message).
pub(crate) type Refusal = (u16, String);

/// One organisation's objects.
#[derive(Debug, Default)]
pub(crate) struct JcStore {
    id_prefix: u32,
    next_id: u64,
    users: BTreeMap<String, Map<String, Value>>,
    by_username: HashMap<String, String>,
    by_email: HashMap<String, String>,
    groups: BTreeMap<String, Map<String, Value>>,
    group_by_name: HashMap<String, String>,
    members: BTreeMap<String, BTreeSet<String>>,
    member_of: BTreeMap<String, BTreeSet<String>>,
    /// Creation timestamps are deterministic: a fixed epoch plus one second per object.
    clock: u64,
}

const FIRST_NAMES: [&str; 8] = [
    "Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances",
];
const LAST_NAMES: [&str; 8] = [
    "Lovelace", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen",
];
const DEPARTMENTS: [&str; 4] = ["Engineering", "Sales", "Finance", "Support"];

impl JcStore {
    /// A seeded organisation: `users` system users, `groups` user groups, each user in one or two groups.
    pub(crate) fn seeded(seed: u64, users: usize, groups: usize) -> JcStore {
        let mut rng = fastrand::Rng::with_seed(seed ^ 0x6a75_6d70);
        let mut s = JcStore {
            id_prefix: rng.u32(..),
            ..Default::default()
        };
        for g in 0..groups {
            let name = format!(
                "{} {}",
                DEPARTMENTS[g % DEPARTMENTS.len()],
                g / DEPARTMENTS.len() + 1
            );
            let _ = s.create_group(json!({"name": name, "description": "seeded"}));
        }
        let group_ids: Vec<String> = s.groups.keys().cloned().collect();
        for u in 0..users {
            let first = FIRST_NAMES[rng.usize(..FIRST_NAMES.len())];
            let last = LAST_NAMES[rng.usize(..LAST_NAMES.len())];
            let username = format!(
                "{}.{}{u}",
                first.to_ascii_lowercase(),
                last.to_ascii_lowercase()
            );
            let body = json!({
                "username": username,
                "email": format!("{username}@example.com"),
                "firstname": first,
                "lastname": last,
                "department": DEPARTMENTS[u % DEPARTMENTS.len()],
                "activated": u % 10 != 9,
            });
            let Ok(user) = s.create_user(body) else {
                continue;
            };
            let id = user["_id"].as_str().unwrap_or_default().to_owned();
            if !group_ids.is_empty() {
                let g = &group_ids[rng.usize(..group_ids.len())];
                s.add_member(g, &id);
                if rng.bool() {
                    let g2 = &group_ids[rng.usize(..group_ids.len())];
                    s.add_member(g2, &id);
                }
            }
        }
        s
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

    /// The system users in creation order.
    pub(crate) fn users(&self) -> impl Iterator<Item = &Map<String, Value>> {
        self.users.values()
    }

    pub(crate) fn user_count(&self) -> usize {
        self.users.len()
    }

    pub(crate) fn user(&self, id: &str) -> Option<&Map<String, Value>> {
        self.users.get(id)
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
        self.by_username
            .insert(username.to_ascii_lowercase(), id.clone());
        self.by_email.insert(email.to_ascii_lowercase(), id.clone());
        self.users.insert(id.clone(), fields.clone());
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
        let (username, email) = (username.to_ascii_lowercase(), email.to_ascii_lowercase());
        self.by_username.retain(|_, v| v != id);
        self.by_email.retain(|_, v| v != id);
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

    /// `DELETE /systemusers/{id}`: the user and every membership edge go.
    pub(crate) fn delete_user(&mut self, id: &str) -> Result<Value, Refusal> {
        let user = self.users.remove(id).ok_or_else(not_found)?;
        self.by_username.retain(|_, v| v != id);
        self.by_email.retain(|_, v| v != id);
        for g in self.member_of.remove(id).unwrap_or_default() {
            if let Some(m) = self.members.get_mut(&g) {
                m.remove(id);
            }
        }
        Ok(Value::Object(user))
    }

    fn check_unique(
        &self,
        username: &str,
        email: &str,
        except: Option<&str>,
    ) -> Result<(), Refusal> {
        let taken = |map: &HashMap<String, String>, key: &str| {
            map.get(&key.to_ascii_lowercase())
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

    /// The user groups in creation order.
    pub(crate) fn groups(&self) -> impl Iterator<Item = &Map<String, Value>> {
        self.groups.values()
    }

    pub(crate) fn group(&self, id: &str) -> Option<&Map<String, Value>> {
        self.groups.get(id)
    }

    /// `POST /usergroups`: `name` is required and unique.
    pub(crate) fn create_group(&mut self, body: Value) -> Result<Value, Refusal> {
        let Value::Object(mut fields) = body else {
            return Err((400, "The request body must be a JSON object".into()));
        };
        let name = required_str(&fields, "name")?;
        if self.group_by_name.contains_key(&name.to_ascii_lowercase()) {
            return Err((409, format!("A group named '{name}' already exists")));
        }
        let id = self.new_id();
        fields.insert("id".into(), json!(id));
        fields.insert("type".into(), json!("user_group"));
        fields.entry("attributes").or_insert(json!({}));
        self.group_by_name
            .insert(name.to_ascii_lowercase(), id.clone());
        self.groups.insert(id.clone(), fields.clone());
        self.members.insert(id, BTreeSet::new());
        Ok(Value::Object(fields))
    }

    /// `PUT /usergroups/{id}`.
    pub(crate) fn update_group(&mut self, id: &str, body: Value) -> Result<Value, Refusal> {
        let Value::Object(changes) = body else {
            return Err((400, "The request body must be a JSON object".into()));
        };
        let name = required_str(&changes, "name")?;
        if self
            .group_by_name
            .get(&name.to_ascii_lowercase())
            .is_some_and(|other| other != id)
        {
            return Err((409, format!("A group named '{name}' already exists")));
        }
        let group = self.groups.get_mut(id).ok_or_else(not_found)?;
        for (k, v) in changes {
            if !matches!(k.as_str(), "id" | "type") {
                group.insert(k, v);
            }
        }
        let group = group.clone();
        self.group_by_name.retain(|_, v| v != id);
        self.group_by_name
            .insert(name.to_ascii_lowercase(), id.to_owned());
        Ok(Value::Object(group))
    }

    /// `DELETE /usergroups/{id}`: the group and its edges go.
    pub(crate) fn delete_group(&mut self, id: &str) -> Result<Value, Refusal> {
        let group = self.groups.remove(id).ok_or_else(not_found)?;
        self.group_by_name.retain(|_, v| v != id);
        for u in self.members.remove(id).unwrap_or_default() {
            if let Some(g) = self.member_of.get_mut(&u) {
                g.remove(id);
            }
        }
        Ok(Value::Object(group))
    }

    /// Adds a user to a group (idempotent).
    pub(crate) fn add_member(&mut self, group: &str, user: &str) {
        self.members
            .entry(group.to_owned())
            .or_default()
            .insert(user.to_owned());
        self.member_of
            .entry(user.to_owned())
            .or_default()
            .insert(group.to_owned());
    }

    /// Removes a user from a group (idempotent).
    pub(crate) fn remove_member(&mut self, group: &str, user: &str) {
        if let Some(m) = self.members.get_mut(group) {
            m.remove(user);
        }
        if let Some(g) = self.member_of.get_mut(user) {
            g.remove(group);
        }
    }

    /// The user ids in a group.
    pub(crate) fn members_of_group(&self, group: &str) -> Vec<String> {
        self.members
            .get(group)
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The group ids a user is in.
    pub(crate) fn groups_of_user(&self, user: &str) -> Vec<String> {
        self.member_of
            .get(user)
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default()
    }
}

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
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
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
        let mut s = JcStore::seeded(1, 0, 0);
        let u = s
            .create_user(json!({"username": "a", "email": "a@x.com"}))
            .unwrap();
        let uid = u["_id"].as_str().unwrap().to_owned();
        assert_eq!(uid.len(), 24);
        let g = s.create_group(json!({"name": "G"})).unwrap();
        let gid = g["id"].as_str().unwrap().to_owned();
        s.add_member(&gid, &uid);
        assert_eq!(s.members_of_group(&gid), vec![uid.clone()]);
        assert_eq!(s.groups_of_user(&uid), vec![gid.clone()]);
        assert_eq!(
            s.create_user(json!({"username": "A", "email": "b@x.com"}))
                .unwrap_err()
                .0,
            409
        );
        s.delete_user(&uid).unwrap();
        assert!(s.members_of_group(&gid).is_empty());
        assert_eq!(s.delete_user(&uid).unwrap_err().0, 404);
    }

    #[test]
    fn seeding_is_deterministic() {
        let a = JcStore::seeded(7, 50, 5);
        let b = JcStore::seeded(7, 50, 5);
        assert_eq!(a.users.len(), 50);
        assert_eq!(a.users, b.users);
        assert_eq!(a.members, b.members);
    }
}
