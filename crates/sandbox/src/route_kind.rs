//! What kind of route a request took: the key of the statistics, the fault targets and the
//! rate-limit classes, shared by every module and depending on none.

use serde::Serialize;

/// The kind of a route, used for statistics, fault targets and rate-limit classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RouteKind {
    /// `POST /ims/token/v2` and `/ims/token/v3` (OAuth server-to-server tokens).
    ImsToken,
    /// `POST /ims/exchange/jwt` (service-account JWT exchange).
    ImsJwtExchange,
    /// `GET /v2/usermanagement/users/{orgId}/{page}[/{groupName}]`.
    UmapiUsers,
    /// `GET /v2/usermanagement/organizations/{orgId}/users/{userString}`.
    UmapiUser,
    /// `GET /v2/usermanagement/groups/{orgId}/{page}`.
    UmapiGroups,
    /// `GET /v2/usermanagement/{orgId}/user-groups` (deprecated; the only listing of read-only
    /// groups).
    UmapiUserGroups,
    /// `POST /v2/usermanagement/action/{orgId}`.
    UmapiAction,
    /// `GET /status`.
    Status,
    /// Any JumpCloud route under `/api`.
    JumpCloud,
}

impl RouteKind {
    /// Whether every request of the route asks for a page: UMAPI's user and group lists. (Some
    /// JumpCloud operations are listings too; the fault engine tells them by their operation.)
    pub fn is_paged(self) -> bool {
        matches!(self, RouteKind::UmapiUsers | RouteKind::UmapiGroups)
    }

    /// Whether the route is one of the UMAPI endpoints (users, user, groups, user groups, action).
    pub fn is_umapi(self) -> bool {
        matches!(
            self,
            RouteKind::UmapiUsers
                | RouteKind::UmapiUser
                | RouteKind::UmapiGroups
                | RouteKind::UmapiUserGroups
                | RouteKind::UmapiAction
        )
    }

    /// A short name, as used in logs.
    pub fn name(self) -> &'static str {
        match self {
            RouteKind::ImsToken => "ims.token",
            RouteKind::ImsJwtExchange => "ims.jwt",
            RouteKind::UmapiUsers => "umapi.users",
            RouteKind::UmapiUser => "umapi.user",
            RouteKind::UmapiGroups => "umapi.groups",
            RouteKind::UmapiUserGroups => "umapi.user_groups",
            RouteKind::UmapiAction => "umapi.action",
            RouteKind::Status => "status",
            RouteKind::JumpCloud => "jumpcloud",
        }
    }
}
