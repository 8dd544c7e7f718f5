//! Queries: users (whole org, in a group, by domain), one user, groups.
//!
//! Paged queries are lazy [`Stream`]s of pages or items, in order. Once the first page tells the
//! page count, the other pages are fetched several at a time ([`UsersQuery::concurrency`]), paced
//! by the client's rate limiter. Every page is checked by idm-http's paging engine: a page whose
//! length differs from its `X-Page-Size`, a `lastPage` before `X-Page-Count` pages, an empty page
//! that is not the last, a page that repeats another, or an end that falls a page or more short
//! of `X-Total-Count` is read once more and then, if it still does not add up, ends the listing
//! with [`Error::Paging`] (a 404 mid-listing with [`Error::Truncated`]): never a silently short
//! or long list.

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use futures_util::{Stream, TryStreamExt, stream};
use idm_http::RequestOptions;
use idm_http::paging::{Addressing, DEFAULT_CONCURRENCY, FetchedPage, Paging, identity};
use idm_http::reqwest::Method;
use idm_http::reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::{Client, api_error, segment};
use crate::limiter::RouteClass;
use crate::model::{Group, User, UserGroup};
use crate::{Error, Result};

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// The 0-based page number requested.
    pub number: u32,
    /// The server's `lastPage`.
    pub last_page: bool,
    /// `X-Total-Count`.
    pub total_count: Option<u64>,
    /// `X-Page-Count`.
    pub page_count: Option<u64>,
    /// `X-Page-Size` (entries in this page).
    pub page_size: Option<u64>,
}

/// What the paging headers said so far, as the official client's `stats()`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryStats {
    /// `X-Total-Count` of the latest page.
    pub total_count: Option<u64>,
    /// `X-Page-Count` of the latest page.
    pub page_count: Option<u64>,
    /// `X-Page-Size` of the latest page.
    pub page_size: Option<u64>,
    /// The latest page number fetched.
    pub current_page: Option<u32>,
    /// Pages fetched.
    pub pages: u32,
    /// Items received.
    pub items: u64,
}

/// What is listed.
#[derive(Debug, Clone)]
enum Listing {
    Users {
        group: Option<String>,
        query: Vec<(&'static str, String)>,
    },
    Groups,
    /// The deprecated `GET /{orgId}/user-groups`: a bare array, 1-based `page` parameter.
    UserGroups,
}

impl Listing {
    /// UMAPI's page size for this listing.
    fn documented_page_size(&self) -> u64 {
        match self {
            Listing::Users { .. } => 2000,
            Listing::Groups | Listing::UserGroups => 400,
        }
    }

    fn path(&self, org: &str, page: u32) -> String {
        match self {
            Listing::Users { group: Some(g), .. } => {
                format!("/users/{}/{page}/{}", segment(org), segment(g))
            }
            Listing::Users { group: None, .. } => format!("/users/{}/{page}", segment(org)),
            Listing::Groups => format!("/groups/{}/{page}", segment(org)),
            Listing::UserGroups => format!("/{}/user-groups", segment(org)),
        }
    }

    fn key(&self) -> &'static str {
        match self {
            Listing::Users { .. } => "users",
            Listing::Groups => "groups",
            Listing::UserGroups => "user groups",
        }
    }

    fn class(&self) -> RouteClass {
        match self {
            Listing::Users { .. } => RouteClass::Users,
            // The deprecated listing's per-client limit is the groups listing's (5 a minute).
            Listing::Groups | Listing::UserGroups => RouteClass::Groups,
        }
    }

    fn describe(&self) -> String {
        match self {
            Listing::Users { group: Some(g), .. } => format!("listing the users of group {g:?}"),
            Listing::Users { group: None, .. } => "listing users".into(),
            Listing::Groups => "listing groups".into(),
            Listing::UserGroups => "listing user groups".into(),
        }
    }
}

fn header_u64(h: &HeaderMap, name: &str) -> Option<u64> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The identity of a listed user (email, else username and domain) or group (its name), for
/// the paging engine's repeated-page checks.
fn identity_of(item: &Value) -> Option<u64> {
    let text = |k: &str| {
        item.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let key = match (text("email"), text("groupName").or_else(|| text("name"))) {
        (Some(email), _) => email.to_ascii_lowercase(),
        (None, Some(group)) => format!("group:{group}"),
        (None, None) => format!("{}@{}", text("username")?, text("domain").unwrap_or("")),
    };
    Some(identity(key.as_bytes()))
}

/// Fetches and decodes page `n` of a listing; the paging engine checks it.
async fn fetch_page<T: DeserializeOwned>(
    client: Client,
    listing: Listing,
    n: u64,
) -> Result<FetchedPage<T>> {
    let what = listing.describe();
    let n = u32::try_from(n).map_err(|_| Error::Truncated {
        what: what.clone(),
        detail: "more than 2^32 pages".into(),
    })?;
    let path = listing.path(&client.inner.org_id, n);
    let query = match &listing {
        Listing::Users { query, .. } => query.clone(),
        Listing::Groups => Vec::new(),
        Listing::UserGroups => vec![("page", (u64::from(n) + 1).to_string())],
    };
    client
        .inner
        .counters
        .queries
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let a = client
        .request(listing.class(), Method::GET, &path, &query, None)
        .await?;
    if a.status.as_u16() == 404 && n > 0 {
        return Err(Error::Truncated {
            what,
            detail: format!("page {n} answered 404 before any page said lastPage"),
        });
    }
    let mut body = client.json_ok(&a, "GET", &path)?;
    if matches!(listing, Listing::UserGroups) {
        return user_groups_page(&a.headers, body, &path, n).map(|mut p| {
            p.retried = a.attempts > 1;
            p
        });
    }
    let result = body.get("result").and_then(Value::as_str);
    if result != Some("success") {
        let mut e = api_error(&a, "GET", &path);
        if let Error::Api(api) = &mut e {
            api.message.get_or_insert_with(|| {
                format!(
                    "result is {:?}, not \"success\"",
                    result.unwrap_or("<missing>")
                )
            });
        }
        return Err(e);
    }
    let decode_error = |detail: String| Error::Decode {
        what: format!("GET {path}"),
        detail,
    };
    // Taken out of the body, not cloned: pages hold up to 2,000 users.
    let raw = match body.get_mut(listing.key()).map(Value::take) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(decode_error(format!("`{}` is not a list", listing.key())));
        }
    };
    let mut page = decode_items(raw, listing.key()).map_err(decode_error)?;
    page.last = match body.get("lastPage") {
        Some(Value::Bool(b)) => Some(*b),
        _ => return Err(decode_error("the page has no boolean `lastPage`".into())),
    };
    paging_headers(&mut page, &a.headers);
    page.retried = a.attempts > 1;
    Ok(page)
}

/// Decodes a page's items and their identities (kept only when every item has one).
fn decode_items<T: DeserializeOwned>(
    raw: Vec<Value>,
    key: &str,
) -> std::result::Result<FetchedPage<T>, String> {
    let mut keys = Vec::with_capacity(raw.len());
    let mut items = Vec::with_capacity(raw.len());
    for item in raw {
        keys.extend(identity_of(&item));
        items.push(
            serde_json::from_value::<T>(item)
                .map_err(|e| format!("`{key}` is not a list of the expected objects: {e}"))?,
        );
    }
    if keys.len() != items.len() {
        keys.clear();
    }
    let mut page = FetchedPage::new(items);
    page.keys = keys;
    Ok(page)
}

fn paging_headers<T>(page: &mut FetchedPage<T>, h: &HeaderMap) {
    page.total_items = header_u64(h, "x-total-count");
    page.total_pages = header_u64(h, "x-page-count");
    page.claimed_len = header_u64(h, "x-page-size");
}

/// A page of the deprecated user-group listing: a bare array whose end only the headers tell
/// (`X-Current-Page`, 1-based, reaching `X-Page-Count`).
fn user_groups_page<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Value,
    path: &str,
    n: u32,
) -> Result<FetchedPage<T>> {
    let decode_error = |detail: String| Error::Decode {
        what: format!("GET {path}"),
        detail,
    };
    let Value::Array(raw) = body else {
        return Err(decode_error(
            "the answer is not a JSON array of user groups".into(),
        ));
    };
    let mut page = decode_items(raw, "user groups").map_err(decode_error)?;
    paging_headers(&mut page, headers);
    let Some(count) = page.total_pages else {
        return Err(decode_error(
            "the page has no X-Page-Count header, so where the listing ends is unknown".into(),
        ));
    };
    let current = header_u64(headers, "x-current-page").unwrap_or(u64::from(n) + 1);
    page.last = Some(current >= count);
    Ok(page)
}

/// Shared machinery of the paged queries.
#[derive(Clone)]
struct Paged {
    client: Client,
    listing: Listing,
    max_unlisted: Option<u64>,
    concurrency: usize,
    stats: Arc<Mutex<QueryStats>>,
}

impl Paged {
    fn new(client: &Client, listing: Listing) -> Self {
        Paged {
            client: client.clone(),
            listing,
            max_unlisted: None,
            concurrency: DEFAULT_CONCURRENCY,
            stats: Arc::default(),
        }
    }

    fn pages<T: DeserializeOwned + Send + 'static>(
        &self,
    ) -> impl Stream<Item = Result<Page<T>>> + Send + use<T> {
        *self.stats.lock().unwrap_or_else(|p| p.into_inner()) = QueryStats::default();
        let paging = Paging::new(
            self.listing.describe(),
            Addressing::Numbered {
                documented_size: self.listing.documented_page_size(),
            },
        )
        .concurrency(self.concurrency)
        .max_unlisted(self.max_unlisted);
        let (client, listing) = (self.client.clone(), self.listing.clone());
        let stats = self.stats.clone();
        idm_http::paging::pages(paging, move |n| {
            fetch_page::<T>(client.clone(), listing.clone(), n)
        })
        .map_ok(move |(n, p)| {
            let page = Page {
                number: u32::try_from(n).unwrap_or(u32::MAX),
                last_page: p.last == Some(true),
                total_count: p.total_items,
                page_count: p.total_pages,
                page_size: p.claimed_len,
                items: p.items,
            };
            let mut s = stats.lock().unwrap_or_else(|p| p.into_inner());
            s.total_count = page.total_count.or(s.total_count);
            s.page_count = page.page_count.or(s.page_count);
            s.page_size = page.page_size.or(s.page_size);
            s.current_page = Some(page.number);
            s.pages += 1;
            s.items += page.items.len() as u64;
            page
        })
    }

    fn items<T: DeserializeOwned + Send + 'static>(
        &self,
    ) -> impl Stream<Item = Result<T>> + Send + use<T> {
        self.pages::<T>()
            .map_ok(|p| stream::iter(p.items.into_iter().map(Ok)))
            .try_flatten()
    }

    /// Every item; read once more if the total changed while it was read.
    async fn all<T: DeserializeOwned + Send + 'static>(&self) -> Result<Vec<T>> {
        idm_http::paging::retry_if_changed(
            || self.items().try_collect(),
            |e: &Error| matches!(e, Error::Paging(p) if p.is_changed()),
        )
        .await
    }

    fn stats(&self) -> QueryStats {
        *self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Lists users: the whole org, one domain, or the members of a group. Built by [`Client::users`].
#[derive(Clone)]
pub struct UsersQuery {
    paged: Paged,
    group: Option<String>,
    domain: Option<String>,
    direct_only: bool,
    status: Option<String>,
    exclude_groups: bool,
}

impl UsersQuery {
    /// Only the members of this user group, product profile or admin group
    /// (`_org_admin`, `_admin_<group>`, `_product_admin_<product>`, ...).
    pub fn in_group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }

    /// Only users of this directory domain.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// `true` (default): each user's `groups` lists only direct product-profile memberships;
    /// `false`: also profiles reached through user groups.
    pub fn direct_only(mut self, direct: bool) -> Self {
        self.direct_only = direct;
        self
    }

    /// Product-profile members only: `active` or `inactive` licence status.
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// Group members only: leave out each user's `groups`.
    pub fn exclude_groups(mut self, exclude: bool) -> Self {
        self.exclude_groups = exclude;
        self
    }

    /// How many users may be missing from the listing compared with `X-Total-Count` (technical
    /// accounts are counted there but never listed). Default: fewer than one page.
    pub fn max_unlisted(mut self, n: u64) -> Self {
        self.paged.max_unlisted = Some(n);
        self
    }

    fn paged(&self) -> Paged {
        let mut query = vec![("directOnly", self.direct_only.to_string())];
        if let Some(d) = &self.domain {
            query.push(("domain", d.clone()));
        }
        if self.group.is_some() {
            if let Some(s) = &self.status {
                query.push(("status", s.clone()));
            }
            if self.exclude_groups {
                query.push(("excludeGroups", "true".into()));
            }
        }
        Paged {
            listing: Listing::Users {
                group: self.group.clone(),
                query,
            },
            ..self.paged.clone()
        }
    }

    /// The pages, fetched lazily one at a time.
    pub fn pages(&self) -> impl Stream<Item = Result<Page<User>>> + Send + use<> {
        self.paged().pages()
    }

    /// The users, fetched lazily page by page (memory bounded by one page).
    pub fn stream(&self) -> impl Stream<Item = Result<User>> + Send + use<> {
        self.paged().items()
    }

    /// Pages fetched at once once the first page has told the page count (default
    /// [`DEFAULT_CONCURRENCY`]; `1`: one after another). The client's rate limiter still paces
    /// them to UMAPI's read limits.
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.paged.concurrency = pages.max(1);
        self
    }

    /// Overrides the client's timeout or retry policy for every page of this query (see
    /// [`Client::customized`]).
    pub fn customize(mut self, f: impl FnOnce(RequestOptions) -> RequestOptions) -> Self {
        self.paged.client = self.paged.client.customized(f);
        self
    }

    /// Every user (all pages); read once more if the total changed while it was read.
    pub async fn all(&self) -> Result<Vec<User>> {
        self.paged().all().await
    }

    /// The paging headers seen by the latest run of this query.
    pub fn stats(&self) -> QueryStats {
        self.paged.stats()
    }
}

/// Lists groups: [`Client::groups`] lists every group, product profile and admin group
/// ([`Group`]); [`Client::user_groups`] the user groups with their read-only flag
/// ([`UserGroup`], from UMAPI's deprecated listing).
#[derive(Clone)]
pub struct GroupsQuery<T = Group> {
    paged: Paged,
    item: PhantomData<fn() -> T>,
}

/// The query of [`Client::user_groups`].
pub type UserGroupsQuery = GroupsQuery<UserGroup>;

impl<T: DeserializeOwned + Send + 'static> GroupsQuery<T> {
    fn new(client: &Client, listing: Listing) -> Self {
        GroupsQuery {
            paged: Paged::new(client, listing),
            item: PhantomData,
        }
    }

    /// The pages, fetched lazily.
    pub fn pages(&self) -> impl Stream<Item = Result<Page<T>>> + Send + use<T> {
        self.paged.pages()
    }

    /// The groups, fetched lazily.
    pub fn stream(&self) -> impl Stream<Item = Result<T>> + Send + use<T> {
        self.paged.items()
    }

    /// Pages fetched at once (see [`UsersQuery::concurrency`]).
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.paged.concurrency = pages.max(1);
        self
    }

    /// Overrides the client's timeout or retry policy for every page of this query (see
    /// [`Client::customized`]).
    pub fn customize(mut self, f: impl FnOnce(RequestOptions) -> RequestOptions) -> Self {
        self.paged.client = self.paged.client.customized(f);
        self
    }

    /// Every group; read once more if the total changed while it was read.
    pub async fn all(&self) -> Result<Vec<T>> {
        self.paged.all().await
    }

    /// The paging headers seen by the latest run of this query.
    pub fn stats(&self) -> QueryStats {
        self.paged.stats()
    }
}

/// Looks up one user. Built by [`Client::user`].
#[derive(Clone)]
pub struct UserQuery {
    client: Client,
    user: String,
    domain: Option<String>,
}

impl UserQuery {
    /// The user's directory domain (`AdobeID` for Adobe IDs); recommended when a directory holds several domains.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Overrides the client's timeout or retry policy for this lookup (see
    /// [`Client::customized`]).
    pub fn customize(mut self, f: impl FnOnce(RequestOptions) -> RequestOptions) -> Self {
        self.client = self.client.customized(f);
        self
    }

    /// Fetches the user; `Ok(None)` when UMAPI does not know it (its 404 with
    /// `error.user.not_found`; any other 404 is an error).
    pub async fn get(&self) -> Result<Option<User>> {
        let path = format!(
            "/organizations/{}/users/{}",
            segment(&self.client.inner.org_id),
            segment(&self.user)
        );
        let query: Vec<(&str, String)> =
            self.domain.iter().map(|d| ("domain", d.clone())).collect();
        self.client
            .inner
            .counters
            .queries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let a = self
            .client
            .request(RouteClass::Users, Method::GET, &path, &query, None)
            .await?;
        if a.status.as_u16() == 404 {
            // Only UMAPI's own "no such user" means not found: any other 404 (a wrong endpoint,
            // a gateway) is an error, lest a sync take a user it could not read for absent.
            let e = api_error(&a, "GET", &path);
            if e.code() == Some("error.user.not_found") {
                return Ok(None);
            }
            return Err(e);
        }
        let body = self.client.json_ok(&a, "GET", &path)?;
        if body.get("result").and_then(Value::as_str) != Some("success") {
            return Err(api_error(&a, "GET", &path));
        }
        let user = body.get("user").cloned().ok_or_else(|| Error::Decode {
            what: format!("GET {path}"),
            detail: "success without a `user` object".into(),
        })?;
        serde_json::from_value(user)
            .map(Some)
            .map_err(|e| Error::Decode {
                what: format!("GET {path}"),
                detail: format!("`user` is not a user object: {e}"),
            })
    }
}

impl Client {
    /// Lists users (whole org by default; see [`UsersQuery`] for filters).
    pub fn users(&self) -> UsersQuery {
        UsersQuery {
            paged: Paged::new(self, Listing::Groups),
            group: None,
            domain: None,
            direct_only: true,
            status: None,
            exclude_groups: false,
        }
    }

    /// Lists groups, product profiles and admin groups.
    pub fn groups(&self) -> GroupsQuery {
        GroupsQuery::new(self, Listing::Groups)
    }

    /// Lists the user groups through UMAPI's deprecated user-group listing, the only one that
    /// tells which groups are read-only (shared from another organisation): their membership
    /// cannot be changed, so an action adding a user to one fails for that group (see
    /// [`ActionReport`](crate::ActionReport)). It is paced as the groups listing, 5 requests a
    /// minute.
    ///
    /// ```no_run
    /// # async fn run(client: umapi::Client) -> umapi::Result<()> {
    /// let read_only: Vec<String> = client
    ///     .user_groups()
    ///     .all()
    ///     .await?
    ///     .into_iter()
    ///     .filter(|g| g.is_read_only)
    ///     .map(|g| g.name)
    ///     .collect();
    /// # Ok(()) }
    /// ```
    pub fn user_groups(&self) -> UserGroupsQuery {
        GroupsQuery::new(self, Listing::UserGroups)
    }

    /// Looks up one user by email or username.
    pub fn user(&self, user: impl Into<String>) -> UserQuery {
        UserQuery {
            client: self.clone(),
            user: user.into(),
            domain: None,
        }
    }
}
