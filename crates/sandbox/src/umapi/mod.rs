//! The simulated Adobe User Management API at `/v2/usermanagement`, and `/status`.

pub(crate) mod actions;
mod handlers;
pub(crate) mod seed;
pub(crate) mod store;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::{get, post};

use crate::gate::{Gate, Paging, Shared};
use crate::ims::Ims;
use crate::lock;
use crate::ratelimit::{UMAPI_ACTION, UMAPI_GROUPS, UMAPI_USER_GROUPS, UMAPI_USERS};
use crate::route_kind::RouteKind;
use store::Store;

/// The base path of UMAPI.
pub(crate) const BASE: &str = "/v2/usermanagement";

/// The UMAPI half of a sandbox.
#[derive(Debug)]
pub(crate) struct Umapi {
    pub store: Mutex<Store>,
    pub ims: Arc<Ims>,
    pub shared: Arc<Shared>,
    pub org_id: String,
    pub user_page_size: usize,
    pub group_page_size: usize,
}

impl Umapi {
    /// One user in UMAPI's wire shape (direct groups).
    pub(crate) fn user_json(&self, email: &str) -> Option<serde_json::Value> {
        let store = lock(&self.store);
        let user = store
            .find_user(email, None, false)
            .and_then(|s| store.user(s))?;
        serde_json::to_value(store.wire_user(user, true, true)).ok()
    }

    /// The emails of the direct members of a group.
    pub(crate) fn group_members(&self, group: &str) -> Option<Vec<String>> {
        let store = lock(&self.store);
        let g = store.group_by_name(group)?;
        Some(
            g.members
                .iter()
                .filter_map(|seq| store.user(*seq))
                .map(|u| u.email.clone())
                .collect(),
        )
    }
}

/// The paging of a list route: its `{page}` segment, where the route template has it.
fn page_segment(template: &str) -> Paging {
    Paging::PathSegment {
        index: template
            .split('/')
            .position(|s| s == "{page}")
            .unwrap_or(usize::MAX),
    }
}

/// The UMAPI routes and `/status`, each wrapped in the gate of its route kind.
pub(crate) fn router(app: Arc<Umapi>, shared: &Arc<Shared>) -> Router {
    let users_path = format!("{BASE}/users/{{org}}/{{page}}");
    let users = Router::new()
        .route(&users_path, get(handlers::list_users))
        .route(
            &format!("{users_path}/{{*group}}"),
            get(handlers::list_group_users),
        );
    let user = Router::new().route(
        &format!("{BASE}/organizations/{{org}}/users/{{*user}}"),
        get(handlers::get_user),
    );
    let groups_path = format!("{BASE}/groups/{{org}}/{{page}}");
    let groups = Router::new().route(&groups_path, get(handlers::list_groups));
    let user_groups = Router::new().route(
        &format!("{BASE}/{{org}}/user-groups"),
        get(handlers::list_user_groups),
    );
    let action = Router::new().route(&format!("{BASE}/action/{{org}}"), post(handlers::action));
    let status = Router::new().route("/status", get(handlers::status));
    let layer = |routes: Router<Arc<Umapi>>, kind, class, paging| {
        Gate::layer(
            routes.with_state(Arc::clone(&app)),
            shared,
            kind,
            class,
            paging,
        )
    };
    layer(
        users,
        RouteKind::UmapiUsers,
        Some(UMAPI_USERS),
        page_segment(&users_path),
    )
    .merge(layer(
        user,
        RouteKind::UmapiUser,
        Some(UMAPI_USERS),
        Paging::None,
    ))
    .merge(layer(
        groups,
        RouteKind::UmapiGroups,
        Some(UMAPI_GROUPS),
        page_segment(&groups_path),
    ))
    .merge(layer(
        user_groups,
        RouteKind::UmapiUserGroups,
        Some(UMAPI_USER_GROUPS),
        Paging::None,
    ))
    .merge(layer(
        action,
        RouteKind::UmapiAction,
        Some(UMAPI_ACTION),
        Paging::None,
    ))
    .merge(layer(status, RouteKind::Status, None, Paging::None))
}
