//! Typed builders for user and user-group actions. Each step method checks its arguments and
//! returns an error that says what is wrong, before anything is sent.

use serde_json::Value;

use super::{Action, Field, Frame, Root, Step};
use crate::model::{IdentityType, IfAlreadyExists};
use crate::{Error, Result};

/// UMAPI refuses any string over 250 characters in a command (`error.command.string.too_long`):
/// users, names, group names (the official client's 255 lets 251 – 255 through, to fail there).
const MAX_STRING: usize = 250;
const MAX_EMAIL: usize = 60;

fn arg(msg: impl Into<String>) -> Error {
    Error::Argument(msg.into())
}

/// A plausible email: one `@`, a non-empty local part, a dotted domain, no spaces, at most 60 characters.
pub(crate) fn check_email(email: &str) -> Result<()> {
    let ok = email.len() <= MAX_EMAIL
        && !email.chars().any(char::is_whitespace)
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.contains('@') && domain.contains('.')
               && !domain.starts_with('.') && !domain.ends_with('.'));
    if ok {
        Ok(())
    } else {
        Err(arg(format!(
            "{email:?} is not a valid email address (name@domain, at most {MAX_EMAIL} characters)"
        )))
    }
}

fn check_name(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(arg(format!("{field} must not be empty")));
    }
    if value.chars().count() > MAX_STRING {
        return Err(arg(format!(
            "{field} is longer than {MAX_STRING} characters"
        )));
    }
    Ok(())
}

fn check_country(country: &str) -> Result<()> {
    if country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(arg(format!(
            "country {country:?} must be an ISO 3166-1 alpha-2 code in upper case, like \"US\""
        )))
    }
}

fn names_list<I, S>(what: &str, names: I) -> Result<Vec<String>>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let names: Vec<String> = names.into_iter().map(Into::into).collect();
    if names.is_empty() {
        return Err(arg(format!("give at least one {what}")));
    }
    for n in &names {
        if n.trim().is_empty() {
            return Err(arg(format!("a {what} name is empty")));
        }
        if n.chars().count() > MAX_STRING {
            return Err(arg(format!(
                "{what} name {n:?} is longer than {MAX_STRING} characters"
            )));
        }
    }
    if let Some(twice) = first_repeated(&names) {
        return Err(arg(format!("{what} {twice:?} is listed twice")));
    }
    Ok(names)
}

/// The first name that occurs again later in the list, ignoring case. Short lists (the usual
/// case: a user joins a few groups) are compared pairwise, which allocates nothing.
fn first_repeated(names: &[String]) -> Option<&str> {
    fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars().flat_map(char::to_lowercase)
    }
    if names.len() <= 16 {
        return names.iter().enumerate().find_map(|(i, a)| {
            names[i + 1..]
                .iter()
                .find(|b| folded(a).eq(folded(b)))
                .map(|b| b.as_str())
        });
    }
    let mut seen = std::collections::HashSet::new();
    names
        .iter()
        .find(|n| !seen.insert(folded(n).collect::<String>()))
        .map(String::as_str)
}

/// Shared step bookkeeping: create first and once, a final step (removeFromOrg, deleteUserGroup) last.
#[derive(Debug, Clone)]
struct Steps {
    steps: Vec<Step>,
    final_step: Option<&'static str>,
}

impl Steps {
    fn push(&mut self, step: Step) -> Result<()> {
        if let Some(last) = self.final_step {
            return Err(arg(format!(
                "no step may follow {last}: it must be the last step of an action"
            )));
        }
        self.steps.push(step);
        Ok(())
    }

    fn push_final(&mut self, name: &'static str, step: Step) -> Result<()> {
        self.push(step)?;
        self.final_step = Some(name);
        Ok(())
    }

    /// Creates go first, whenever they are added (as the official client does).
    fn insert_create(&mut self, step: Step) -> Result<()> {
        if self.steps.iter().any(Step::is_create) {
            return Err(arg("an action may create its user or group only once"));
        }
        self.steps.insert(0, step);
        Ok(())
    }
}

/// A new user: identity type, email, names, country and what to do if it exists already.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    identity: IdentityType,
    email: String,
    firstname: Option<String>,
    lastname: Option<String>,
    country: Option<String>,
    on_conflict: IfAlreadyExists,
}

impl NewUser {
    /// Adds an Adobe ID (personal account) by email.
    pub fn adobe_id(email: impl Into<String>) -> Self {
        NewUser {
            identity: IdentityType::AdobeId,
            email: email.into(),
            firstname: None,
            lastname: None,
            country: None,
            on_conflict: IfAlreadyExists::Ignore,
        }
    }

    /// Creates an Enterprise ID (names required; the domain must be claimed).
    pub fn enterprise(
        email: impl Into<String>,
        firstname: impl Into<String>,
        lastname: impl Into<String>,
    ) -> Self {
        NewUser {
            identity: IdentityType::EnterpriseId,
            firstname: Some(firstname.into()),
            lastname: Some(lastname.into()),
            ..NewUser::adobe_id(email)
        }
    }

    /// Creates a Federated ID (names and country required).
    pub fn federated(
        email: impl Into<String>,
        firstname: impl Into<String>,
        lastname: impl Into<String>,
        country: impl Into<String>,
    ) -> Self {
        NewUser {
            identity: IdentityType::FederatedId,
            country: Some(country.into()),
            ..NewUser::enterprise(email, firstname, lastname)
        }
    }

    /// Sets the first name.
    pub fn firstname(mut self, v: impl Into<String>) -> Self {
        self.firstname = Some(v.into());
        self
    }

    /// Sets the last name.
    pub fn lastname(mut self, v: impl Into<String>) -> Self {
        self.lastname = Some(v.into());
        self
    }

    /// Sets the country (ISO 3166-1 alpha-2, upper case).
    pub fn country(mut self, v: impl Into<String>) -> Self {
        self.country = Some(v.into());
        self
    }

    /// What to do when the user exists already (default: ignore, so a retried create does not fail).
    pub fn on_conflict(mut self, option: IfAlreadyExists) -> Self {
        self.on_conflict = option;
        self
    }

    fn into_step(self) -> Result<Step> {
        check_email(&self.email)?;
        let name = match self.identity {
            IdentityType::AdobeId => "addAdobeID",
            IdentityType::EnterpriseId => "createEnterpriseID",
            IdentityType::FederatedId => "createFederatedID",
            IdentityType::Unknown(ref t) => {
                return Err(arg(format!("cannot create a user of unknown type {t:?}")));
            }
        };
        let org_owned = self.identity != IdentityType::AdobeId;
        let mut m = Vec::with_capacity(5);
        for (field, value) in [("firstname", &self.firstname), ("lastname", &self.lastname)] {
            match value {
                Some(v) => check_name(field, v)?,
                None if org_owned => {
                    return Err(arg(format!(
                        "{field} is required to create a {}",
                        self.identity
                    )));
                }
                None => {}
            }
        }
        match &self.country {
            Some(c) => check_country(c)?,
            None if self.identity == IdentityType::FederatedId => {
                return Err(arg("country is required to create a federatedID"));
            }
            None => {}
        }
        m.push(("email", Field::Text(self.email)));
        let texts = [
            ("firstname", self.firstname),
            ("lastname", self.lastname),
            ("country", self.country),
        ];
        m.extend(
            texts
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, Field::Text(v)))),
        );
        if self.on_conflict != IfAlreadyExists::Error {
            m.push(("option", Field::Text(self.on_conflict.as_str().into())));
        }
        Ok(Step::fields(name, m))
    }
}

/// Fields to change on an Enterprise or Federated user; fields left unset stay as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserUpdate {
    email: Option<String>,
    username: Option<String>,
    firstname: Option<String>,
    lastname: Option<String>,
}

impl UserUpdate {
    /// An empty update (set at least one field).
    pub fn new() -> Self {
        Self::default()
    }

    /// New email.
    pub fn email(mut self, v: impl Into<String>) -> Self {
        self.email = Some(v.into());
        self
    }

    /// New username.
    pub fn username(mut self, v: impl Into<String>) -> Self {
        self.username = Some(v.into());
        self
    }

    /// New first name.
    pub fn firstname(mut self, v: impl Into<String>) -> Self {
        self.firstname = Some(v.into());
        self
    }

    /// New last name.
    pub fn lastname(mut self, v: impl Into<String>) -> Self {
        self.lastname = Some(v.into());
        self
    }

    fn into_step(self) -> Result<Step> {
        let mut m = Vec::new();
        if let Some(e) = self.email {
            check_email(&e)?;
            m.push(("email", Field::Text(e)));
        }
        for (field, value) in [
            ("username", self.username),
            ("firstname", self.firstname),
            ("lastname", self.lastname),
        ] {
            if let Some(v) = value {
                check_name(field, &v)?;
                m.push((field, Field::Text(v)));
            }
        }
        if m.is_empty() {
            return Err(arg(
                "an update needs at least one of email, username, firstname, lastname",
            ));
        }
        Ok(Step::fields("update", m))
    }
}

/// Builds the steps for one user.
#[derive(Debug, Clone)]
pub struct UserAction {
    frame: Frame,
    steps: Steps,
}

impl UserAction {
    /// An action on the user with this email (or email-form username).
    pub fn new(user: impl Into<String>) -> Result<Self> {
        let user = user.into();
        Self::check_root(&user)?;
        if !user.contains('@') {
            return Err(arg(format!(
                "user {user:?} is not an email: give its domain with UserAction::with_domain(user, domain)"
            )));
        }
        Ok(Self::frame(user, None))
    }

    /// An action on a Federated user whose username is not an email, in `domain`.
    pub fn with_domain(user: impl Into<String>, domain: impl Into<String>) -> Result<Self> {
        let (user, domain) = (user.into(), domain.into());
        Self::check_root(&user)?;
        if user.contains('@') {
            return Err(arg(format!(
                "user {user:?} is an email: UMAPI refuses a domain with it, use UserAction::new(user)"
            )));
        }
        if domain.trim().is_empty() || domain.contains('@') {
            return Err(arg(format!("domain {domain:?} is not a domain name")));
        }
        Ok(Self::frame(user, Some(domain)))
    }

    fn check_root(user: &str) -> Result<()> {
        if user.trim().is_empty() {
            return Err(arg("the user must not be empty"));
        }
        if user.chars().count() > MAX_STRING {
            return Err(arg(format!(
                "user {user:?} is longer than {MAX_STRING} characters"
            )));
        }
        Ok(())
    }

    fn frame(user: String, domain: Option<String>) -> Self {
        let mut frame = Frame::new(Root::User, user);
        frame.domain = domain;
        UserAction {
            frame,
            steps: Steps {
                steps: Vec::new(),
                final_step: None,
            },
        }
    }

    /// Sets `requestID`, echoed back in errors and warnings.
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.frame.request_id = Some(id.into());
        self
    }

    /// Acts on the Adobe ID when an Adobe ID and an org-owned account share the email.
    pub fn use_adobe_id(mut self) -> Self {
        self.frame.use_adobe_id = Some(true);
        self
    }

    /// Creates the user (always placed first; only one create per action).
    pub fn create(mut self, user: NewUser) -> Result<Self> {
        if self.frame.domain.is_some() && user.identity != IdentityType::FederatedId {
            return Err(arg(format!(
                "user {:?} is a username with a domain, which only a Federated ID can have: create a {} with its email as the user (UserAction::new)",
                self.frame.target, user.identity
            )));
        }
        let is_adobe = user.identity == IdentityType::AdobeId;
        self.steps.insert_create(user.into_step()?)?;
        if is_adobe {
            self.frame.use_adobe_id = Some(true);
        }
        Ok(self)
    }

    /// Changes the user's names, email or username.
    pub fn update(mut self, update: UserUpdate) -> Result<Self> {
        self.steps.push(update.into_step()?)?;
        Ok(self)
    }

    /// Adds the user to product profiles, user groups or admin groups (long lists are split when sent).
    pub fn add_to_groups<I, S>(mut self, groups: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let groups = names_list("group", groups)?;
        self.steps.push(Step::list("add", "group", groups))?;
        Ok(self)
    }

    /// Removes the user from these groups.
    pub fn remove_from_groups<I, S>(mut self, groups: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let groups = names_list("group", groups)?;
        self.steps.push(Step::list("remove", "group", groups))?;
        Ok(self)
    }

    /// Removes the user from every group, profile and admin role except `_org_admin`.
    pub fn remove_from_all_groups(mut self) -> Result<Self> {
        self.steps
            .push(Step::new("remove", Value::String("all".into())))?;
        Ok(self)
    }

    /// Removes the user from the organization (must be the last step). With `delete_account`,
    /// an Enterprise or Federated account is also deleted for good.
    pub fn remove_from_org(mut self, delete_account: bool) -> Result<Self> {
        self.steps.push_final(
            "removeFromOrg",
            Step::fields(
                "removeFromOrg",
                vec![("deleteAccount", Field::Flag(delete_account))],
            ),
        )?;
        Ok(self)
    }

    /// The finished action. Errors when it has no step.
    pub fn build(self) -> Result<Action> {
        if self.steps.steps.is_empty() {
            return Err(arg(format!(
                "the action on {:?} has no step",
                self.frame.target
            )));
        }
        Ok(self.into_action())
    }

    pub(crate) fn into_action(self) -> Action {
        Action {
            frame: self.frame,
            steps: self.steps.steps,
        }
    }

    /// The wire form of what was built so far.
    pub fn to_wire(&self) -> Value {
        self.clone().into_action().to_wire()
    }
}

/// Builds the steps for one user group.
#[derive(Debug, Clone)]
pub struct GroupAction {
    frame: Frame,
    steps: Steps,
}

fn check_group_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(arg("the group name must not be empty"));
    }
    if name.starts_with('_') {
        return Err(arg(format!(
            "group name {name:?} must not start with '_' (reserved for admin groups)"
        )));
    }
    if name.chars().count() > MAX_STRING {
        return Err(arg(format!(
            "group name {name:?} is longer than {MAX_STRING} characters"
        )));
    }
    Ok(())
}

impl GroupAction {
    /// An action on the user group with this name.
    pub fn new(name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        check_group_name(&name)?;
        Ok(GroupAction {
            frame: Frame::new(Root::UserGroup, name),
            steps: Steps {
                steps: Vec::new(),
                final_step: None,
            },
        })
    }

    /// Sets `requestID`.
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.frame.request_id = Some(id.into());
        self
    }

    /// Creates the group (placed first; only one create per action).
    pub fn create(
        mut self,
        description: Option<&str>,
        on_conflict: IfAlreadyExists,
    ) -> Result<Self> {
        let mut m = Vec::new();
        if let Some(d) = description {
            m.push(("description", Field::Text(d.into())));
        }
        if on_conflict != IfAlreadyExists::Error {
            m.push(("option", Field::Text(on_conflict.as_str().into())));
        }
        self.steps
            .insert_create(Step::fields("createUserGroup", m))?;
        Ok(self)
    }

    /// Renames the group and/or changes its description.
    pub fn update(mut self, new_name: Option<&str>, description: Option<&str>) -> Result<Self> {
        let mut m = Vec::new();
        if let Some(n) = new_name {
            check_group_name(n)?;
            m.push(("name", Field::Text(n.into())));
        }
        if let Some(d) = description {
            m.push(("description", Field::Text(d.into())));
        }
        if m.is_empty() {
            return Err(arg("a group update needs a new name or a description"));
        }
        self.steps.push(Step::fields("updateUserGroup", m))?;
        Ok(self)
    }

    /// Deletes the group (must be the last step).
    pub fn delete(mut self) -> Result<Self> {
        self.steps.push_final(
            "deleteUserGroup",
            Step::fields("deleteUserGroup", Vec::new()),
        )?;
        Ok(self)
    }

    fn lists(
        mut self,
        step: &'static str,
        key: &'static str,
        what: &str,
        names: Vec<String>,
    ) -> Result<Self> {
        let names = names_list(what, names)?;
        if key == "user" {
            for n in &names {
                check_email(n)?;
            }
        }
        self.steps.push(Step::list(step, key, names))?;
        Ok(self)
    }

    /// Adds users (emails) to the group.
    pub fn add_users<I: IntoIterator<Item = S>, S: Into<String>>(self, users: I) -> Result<Self> {
        self.lists(
            "add",
            "user",
            "user",
            users.into_iter().map(Into::into).collect(),
        )
    }

    /// Removes users from the group.
    pub fn remove_users<I: IntoIterator<Item = S>, S: Into<String>>(
        self,
        users: I,
    ) -> Result<Self> {
        self.lists(
            "remove",
            "user",
            "user",
            users.into_iter().map(Into::into).collect(),
        )
    }

    /// Grants the group's members these product profiles.
    pub fn add_to_products<I: IntoIterator<Item = S>, S: Into<String>>(
        self,
        profiles: I,
    ) -> Result<Self> {
        self.lists(
            "add",
            "productConfiguration",
            "product profile",
            profiles.into_iter().map(Into::into).collect(),
        )
    }

    /// Withdraws these product profiles from the group.
    pub fn remove_from_products<I: IntoIterator<Item = S>, S: Into<String>>(
        self,
        profiles: I,
    ) -> Result<Self> {
        self.lists(
            "remove",
            "productConfiguration",
            "product profile",
            profiles.into_iter().map(Into::into).collect(),
        )
    }

    /// The finished action. Errors when it has no step.
    pub fn build(self) -> Result<Action> {
        if self.steps.steps.is_empty() {
            return Err(arg(format!(
                "the action on group {:?} has no step",
                self.frame.target
            )));
        }
        Ok(self.into_action())
    }

    pub(crate) fn into_action(self) -> Action {
        Action {
            frame: self.frame,
            steps: self.steps.steps,
        }
    }

    /// The wire form of what was built so far.
    pub fn to_wire(&self) -> Value {
        self.clone().into_action().to_wire()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err<T: std::fmt::Debug>(r: Result<T>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn user_root_rules() {
        assert!(err(UserAction::new("jdoe")).contains("with_domain"));
        assert!(
            err(UserAction::with_domain("jdoe@example.com", "example.com"))
                .contains("refuses a domain")
        );
        assert!(err(UserAction::new("")).contains("empty"));
        assert!(err(UserAction::new(format!("{}@x.com", "a".repeat(300)))).contains("250"));
        let a = UserAction::with_domain("jdoe", "example.com").unwrap();
        assert_eq!(a.to_wire()["domain"], "example.com");
    }

    #[test]
    fn create_goes_first_once_with_required_fields() {
        let a = UserAction::new("a@example.com")
            .unwrap()
            .add_to_groups(["G"])
            .unwrap()
            .create(NewUser::enterprise("a@example.com", "A", "B"))
            .unwrap();
        let w = a.to_wire();
        assert!(w["do"][0].get("createEnterpriseID").is_some(), "{w}");
        assert_eq!(
            w["do"][0]["createEnterpriseID"]["option"],
            "ignoreIfAlreadyExists"
        );
        assert!(err(a.create(NewUser::adobe_id("a@example.com"))).contains("only once"));
        let u = UserAction::new("a@example.com").unwrap();
        assert!(
            err(u
                .clone()
                .create(NewUser::federated("a@example.com", "A", "B", "us")))
            .contains("upper case")
        );
        assert!(err(u.clone().create(NewUser::adobe_id("not-an-email"))).contains("valid email"));
        let missing = NewUser::enterprise("a@example.com", "A", "B");
        let missing = NewUser {
            lastname: None,
            ..missing
        };
        assert!(err(u.clone().create(missing)).contains("lastname is required"));
        let fed = NewUser::federated("a@example.com", "A", "B", "US");
        let fed = NewUser {
            country: None,
            ..fed
        };
        assert!(err(u.clone().create(fed)).contains("country is required"));
        let strict = u
            .create(NewUser::adobe_id("a@example.com").on_conflict(IfAlreadyExists::Error))
            .unwrap();
        let w = strict.to_wire();
        assert!(w["do"][0]["addAdobeID"].get("option").is_none(), "{w}");
        assert_eq!(w["useAdobeID"], true);
    }

    #[test]
    fn remove_from_org_is_last() {
        let a = UserAction::new("a@example.com")
            .unwrap()
            .remove_from_all_groups()
            .unwrap()
            .remove_from_org(true)
            .unwrap();
        assert_eq!(a.to_wire()["do"][1]["removeFromOrg"]["deleteAccount"], true);
        assert!(err(a.clone().add_to_groups(["G"])).contains("last step"));
        assert!(err(a.remove_from_org(false)).contains("last step"));
    }

    #[test]
    fn lists_are_checked() {
        let u = UserAction::new("a@example.com").unwrap();
        assert!(err(u.clone().add_to_groups(Vec::<String>::new())).contains("at least one"));
        assert!(err(u.clone().add_to_groups(["A", "a"])).contains("\"a\" is listed twice"));
        assert!(err(u.clone().add_to_groups(["Équipe", "B", "ÉQUIPE"])).contains("\"ÉQUIPE\""));
        // Long lists take the hashing path; the same answers.
        let mut long: Vec<String> = (0..40).map(|i| format!("G{i}")).collect();
        assert!(u.clone().add_to_groups(long.clone()).is_ok());
        long.push("g7".into());
        assert!(err(u.clone().add_to_groups(long)).contains("\"g7\" is listed twice"));
        assert!(err(u.clone().remove_from_groups([""])).contains("empty"));
        assert!(err(u.update(UserUpdate::new())).contains("at least one"));
    }

    #[test]
    fn group_rules() {
        assert!(err(GroupAction::new("_admin_x")).contains("must not start with '_'"));
        assert!(err(GroupAction::new("x".repeat(251))).contains("250"));
        assert!(GroupAction::new("x".repeat(250)).is_ok());
        // A non-email username with a domain is a Federated ID's form only.
        let fed = UserAction::with_domain("jdoe", "example.com").unwrap();
        assert!(
            fed.clone()
                .create(NewUser::federated("jdoe@example.com", "J", "D", "US"))
                .is_ok()
        );
        let e = err(fed.create(NewUser::enterprise("jdoe@example.com", "J", "D")));
        assert!(e.contains("only a Federated ID"), "{e}");
        let g = GroupAction::new("Design")
            .unwrap()
            .add_users(["a@example.com"])
            .unwrap();
        assert!(err(g.clone().add_users(["nope"])).contains("valid email"));
        let g = g
            .create(Some("Designers"), IfAlreadyExists::Update)
            .unwrap()
            .delete()
            .unwrap();
        let w = g.to_wire();
        assert_eq!(
            w["do"][0]["createUserGroup"]["option"],
            "updateIfAlreadyExists"
        );
        assert!(w["do"][2].get("deleteUserGroup").is_some());
        assert!(err(g.add_to_products(["P"])).contains("last step"));
        assert!(err(GroupAction::new("G").unwrap().build()).contains("no step"));
    }
}
