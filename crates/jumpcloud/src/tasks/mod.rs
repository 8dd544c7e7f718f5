//! Task helpers: the everyday jobs (find a user by email, add a user to a group, suspend an
//! account) as one call each, hand-written over the generated operations.
//!
//! ```no_run
//! # async fn f(jc: jumpcloud::Client) -> jumpcloud::Result<()> {
//! let users = jc.v1().systemusers();
//! if let Some(user) = users.find_by_email("Jo.Doe@Example.com").await? {
//!     let id = user.id.clone().unwrap_or_default();
//!     jc.v2().user_groups().add_member("5f1c0a2e9d4a1b2c3d4e5f60", &id).await?;
//!     users.suspend(&id).await?;
//! }
//! # Ok(()) }
//! ```
//!
//! Who may log in where, and with what sudo ([`Binding`], [`Sudo`]):
//!
//! ```no_run
//! use jumpcloud::tasks::Sudo;
//! # async fn f(jc: jumpcloud::Client, user: &str, system: &str) -> jumpcloud::Result<()> {
//! jc.v2().users().bind_system(user, system, Some(Sudo::WithPassword)).await?;
//! for b in jc.v2().systems().users(system).await? {
//!     let how = if b.direct { "directly" } else { "through groups" };
//!     println!("{}: sudo {} ({how}, {} paths)", b.id, b.sudo, b.paths);
//! }
//! # Ok(()) }
//! ```

mod bindings;

pub use bindings::{Binding, Sudo};

use crate::error::{Error, Result};
use crate::v1::models::{Search, Systemuserput, Systemuserreturn};
use crate::v2::models::{
    GraphObjectWithPaths, GraphOperationSystemGroupMember, GraphOperationSystemGroupMemberOp,
    GraphOperationSystemGroupMemberType, GraphOperationUserGroupMember,
    GraphOperationUserGroupMemberOp, GraphOperationUserGroupMemberType, UserGroup,
};

/// Users asked for at once by the search behind `find_by_*`.
const SEARCH_PAGE: i64 = 100;

impl crate::v1::SystemusersApi {
    /// The system user with this email, compared without case; `None` when there is none, an
    /// error when several have it.
    pub async fn find_by_email(&self, email: &str) -> Result<Option<Systemuserreturn>> {
        self.find_one("email", email, |u| u.email.as_deref()).await
    }

    /// The system user with this username, compared without case; `None` when there is none.
    pub async fn find_by_username(&self, username: &str) -> Result<Option<Systemuserreturn>> {
        self.find_one("username", username, |u| u.username.as_deref())
            .await
    }

    /// Searches `field` for `value` (JumpCloud's search matches parts of words, without case),
    /// then keeps the users whose `field` is `value`, without case.
    async fn find_one(
        &self,
        field: &str,
        value: &str,
        get: impl Fn(&Systemuserreturn) -> Option<&str>,
    ) -> Result<Option<Systemuserreturn>> {
        let wanted = value.trim();
        if wanted.is_empty() {
            return Err(Error::Argument(format!(
                "find by {field}: the {field} is empty"
            )));
        }
        let body = Search {
            search_filter: Some(serde_json::json!({"searchTerm": wanted, "fields": [field]})),
            ..Search::default()
        };
        let mut found = Vec::new();
        let mut skip = 0i64;
        loop {
            let page = crate::v1::SearchApi::from_client(&self.client)
                .systemusers_post()
                .body(&body)
                .limit(SEARCH_PAGE)
                .skip(skip)
                .send()
                .await?;
            let results = page.results.unwrap_or_default();
            let read = results.len() as i64;
            found.extend(
                results
                    .into_iter()
                    .filter(|u| get(u).is_some_and(|v| v.trim().eq_ignore_ascii_case(wanted))),
            );
            skip += read;
            if read < SEARCH_PAGE || page.total_count.is_some_and(|t| skip >= t) {
                break;
            }
        }
        match found.len() {
            0 => Ok(None),
            1 => Ok(found.pop()),
            n => Err(Error::Argument(format!(
                "{n} system users have the {field} {wanted:?} (ids {}): find them with list().filter(..) instead",
                found
                    .iter()
                    .map(|u| u.id.as_deref().unwrap_or("?"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Suspends the account (`suspended: true`): the user can no longer sign in.
    pub async fn suspend(&self, id: &str) -> Result<Systemuserreturn> {
        self.set_suspended(id, true).await
    }

    /// Lifts a suspension (`suspended: false`).
    pub async fn activate(&self, id: &str) -> Result<Systemuserreturn> {
        self.set_suspended(id, false).await
    }

    async fn set_suspended(&self, id: &str, suspended: bool) -> Result<Systemuserreturn> {
        let body = Systemuserput {
            suspended: Some(suspended),
            ..Systemuserput::default()
        };
        self.put(id).body(&body).send().await
    }
}

impl crate::v1::SearchApi {
    fn from_client(client: &crate::Client) -> Self {
        crate::v1::SearchApi {
            client: client.clone(),
        }
    }
}

/// A group a user is in ([`UserGroupsApi::of_user`](crate::v2::UserGroupsApi::of_user)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The group's id.
    pub id: String,
    /// The group's name.
    pub name: String,
    /// A direct member (not only through another group).
    pub direct: bool,
}

impl GraphObjectWithPaths {
    /// Whether the membership is direct: `memberOf` listings also return the groups reached
    /// through other groups, whose `paths` have more than one step.
    pub fn is_direct(&self) -> bool {
        self.paths
            .as_ref()
            .is_none_or(|paths| paths.iter().any(|p| p.len() <= 1))
    }
}

impl GraphOperationUserGroupMember {
    /// Adds the user `id` to a user group.
    pub fn add_user(id: impl Into<String>) -> Self {
        Self::user(GraphOperationUserGroupMemberOp::Add, id.into())
    }

    /// Removes the user `id` from a user group.
    pub fn remove_user(id: impl Into<String>) -> Self {
        Self::user(GraphOperationUserGroupMemberOp::Remove, id.into())
    }

    fn user(op: GraphOperationUserGroupMemberOp, id: String) -> Self {
        GraphOperationUserGroupMember {
            id: Some(id),
            op: Some(op),
            r#type: Some(GraphOperationUserGroupMemberType::User),
            ..Default::default()
        }
    }
}

impl GraphOperationSystemGroupMember {
    /// Adds the system `id` to a system group.
    pub fn add_system(id: impl Into<String>) -> Self {
        Self::system(GraphOperationSystemGroupMemberOp::Add, id.into())
    }

    /// Removes the system `id` from a system group.
    pub fn remove_system(id: impl Into<String>) -> Self {
        Self::system(GraphOperationSystemGroupMemberOp::Remove, id.into())
    }

    fn system(op: GraphOperationSystemGroupMemberOp, id: String) -> Self {
        GraphOperationSystemGroupMember {
            id: Some(id),
            op: Some(op),
            r#type: Some(GraphOperationSystemGroupMemberType::System),
            ..Default::default()
        }
    }
}

impl crate::v2::UserGroupsApi {
    /// The user group named `name` (exactly); `None` when there is none.
    pub async fn find_by_name(&self, name: &str) -> Result<Option<UserGroup>> {
        let found = self
            .list()
            .filter(vec![crate::filter::v2::eq("name", name).to_string()])
            .all()
            .await?;
        Ok(found.into_iter().find(|g| g.name.as_deref() == Some(name)))
    }

    /// The ids of the users who are direct members of the user group `group_id`.
    pub async fn member_ids(&self, group_id: &str) -> Result<Vec<String>> {
        let members = self.graph_user_group_members_list(group_id).all().await?;
        Ok(members
            .into_iter()
            .filter_map(|m| m.to.and_then(|to| to.id))
            .collect())
    }

    /// The direct members of the user group `group_id`, as whole system users (fetched eight
    /// at a time).
    pub async fn members_with_details(&self, group_id: &str) -> Result<Vec<Systemuserreturn>> {
        use futures_util::{StreamExt, TryStreamExt};
        let users = crate::v1::SystemusersApi {
            client: self.client.clone(),
        };
        let ids = self.member_ids(group_id).await?;
        futures_util::stream::iter(ids)
            .map(|id| users.get(id).send())
            .buffered(8)
            .try_collect()
            .await
    }

    /// The user groups the user `user_id` is in, with their names, and whether directly (a
    /// `memberOf` listing also has the groups reached through other groups).
    pub async fn of_user(&self, user_id: &str) -> Result<Vec<Membership>> {
        let graph = crate::v2::GraphApi {
            client: self.client.clone(),
        };
        let parents = graph.user_member_of(user_id).all().await?;
        let names: std::collections::HashMap<String, String> = (self.list().all().await?)
            .into_iter()
            .filter_map(|g| Some((g.id?, g.name.unwrap_or_default())))
            .collect();
        Ok(parents
            .into_iter()
            .filter_map(|p| {
                let direct = p.is_direct();
                let id = p.id?;
                let name = names.get(&id).cloned().unwrap_or_default();
                Some(Membership { id, name, direct })
            })
            .collect())
    }

    /// Makes the user `user_id` a direct member of the user group `group_id`.
    pub async fn add_member(&self, group_id: &str, user_id: &str) -> Result<()> {
        let op = GraphOperationUserGroupMember::add_user(user_id);
        self.graph_user_group_members_post(group_id)
            .body(&op)
            .send()
            .await
    }

    /// Removes the user `user_id` from the user group `group_id`.
    pub async fn remove_member(&self, group_id: &str, user_id: &str) -> Result<()> {
        let op = GraphOperationUserGroupMember::remove_user(user_id);
        self.graph_user_group_members_post(group_id)
            .body(&op)
            .send()
            .await
    }
}

impl crate::v2::SystemGroupsApi {
    /// Makes the system `system_id` a direct member of the system group `group_id`.
    pub async fn add_member(&self, group_id: &str, system_id: &str) -> Result<()> {
        let op = GraphOperationSystemGroupMember::add_system(system_id);
        self.graph_system_group_members_post(group_id)
            .body(&op)
            .send()
            .await
    }

    /// Removes the system `system_id` from the system group `group_id`.
    pub async fn remove_member(&self, group_id: &str, system_id: &str) -> Result<()> {
        let op = GraphOperationSystemGroupMember::remove_system(system_id);
        self.graph_system_group_members_post(group_id)
            .body(&op)
            .send()
            .await
    }
}
