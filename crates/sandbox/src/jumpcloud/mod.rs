//! The simulated JumpCloud API at `/api` (v1) and `/api/v2` (v2): so far the stateful core of
//! system users and user groups with their members; other operations answer 404 JSON.

mod handlers;
pub(crate) mod store;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::gate::{Gate, Shared};
use crate::stats::RouteKind;
use store::JcStore;

/// The demo API key (`x-api-key`).
pub const API_KEY: &str = "jc-sandbox-0123456789abcdef0123456789abcdef";

/// The JumpCloud half's state.
pub(crate) struct JumpCloud {
    pub(crate) store: Mutex<JcStore>,
    pub(crate) org_id: String,
}

impl JumpCloud {
    pub(crate) fn new(seed: u64, users: usize, groups: usize) -> JumpCloud {
        let mut r = fastrand::Rng::with_seed(seed ^ 0x006f_7267);
        JumpCloud {
            store: Mutex::new(JcStore::seeded(seed, users, groups)),
            org_id: format!("{:08x}{:016x}", r.u32(..), r.u64(..)),
        }
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, JcStore> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// JumpCloud's answer to a request without a valid key.
fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"message": "Unauthorized"})),
    )
        .into_response()
}

/// Requires the demo `x-api-key`, and a matching `x-org-id` when one is sent.
async fn auth(
    axum::extract::State(app): axum::extract::State<Arc<JumpCloud>>,
    req: Request,
    next: Next,
) -> Response {
    let key = req.headers().get("x-api-key").and_then(|v| v.to_str().ok());
    if key != Some(API_KEY) {
        return unauthorized();
    }
    if let Some(org) = req.headers().get("x-org-id").and_then(|v| v.to_str().ok())
        && !org.is_empty()
        && org != app.org_id
    {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(json!({"message": format!("Forbidden: the API key has no access to organization {org}")})),
        )
            .into_response();
    }
    next.run(req).await
}

/// The JumpCloud routes, behind the key check and the gate (stats, faults).
pub(crate) fn router(app: Arc<JumpCloud>, shared: &Arc<Shared>) -> Router {
    let routes = Router::new()
        .route(
            "/api/systemusers",
            get(handlers::list_users).post(handlers::create_user),
        )
        .route(
            "/api/systemusers/{id}",
            get(handlers::get_user)
                .put(handlers::update_user)
                .delete(handlers::delete_user),
        )
        .route(
            "/api/v2/usergroups",
            get(handlers::list_groups).post(handlers::create_group),
        )
        .route(
            "/api/v2/usergroups/{group_id}",
            get(handlers::get_group)
                .put(handlers::update_group)
                .delete(handlers::delete_group),
        )
        .route(
            "/api/v2/usergroups/{group_id}/members",
            get(handlers::group_members).post(handlers::change_members),
        )
        .route(
            "/api/v2/users/{user_id}/memberof",
            get(handlers::user_member_of),
        )
        .route(
            "/api/v2/usergroups/{group_id}/membership",
            get(handlers::group_membership),
        )
        .route(
            "/api/{*rest}",
            get(not_found)
                .post(not_found)
                .put(not_found)
                .delete(not_found)
                .patch(not_found),
        )
        .route_layer(middleware::from_fn_with_state(Arc::clone(&app), auth))
        .with_state(app);
    Gate::layer(routes, shared, RouteKind::JumpCloud, None)
}

async fn not_found(req: Request) -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"message": format!("Not Found: {} {} is not simulated (yet)", req.method(), req.uri().path())})),
    )
        .into_response()
}
