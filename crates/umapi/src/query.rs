//! Queries: users (whole org, in a group, by domain), one user, groups.
//!
//! Paged queries are lazy [`Stream`]s of pages or items. A listing that ends before the server's
//! own counts say it should (a 404 or an empty page before `lastPage`, fewer pages than
//! `X-Page-Count`, or a page's worth fewer items than `X-Total-Count`) is an
//! [`Error::Truncated`], never a silently short list.

use std::sync::{Arc, Mutex};

use futures_util::{Stream, TryStreamExt, stream};
use idm_http::reqwest::Method;
use idm_http::reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::{Client, api_error, segment};
use crate::limiter::RouteClass;
use crate::model::{Group, User};
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
}

impl Listing {
    /// UMAPI's page size for this listing (API.md §4.1, §4.5).
    fn documented_page_size(&self) -> u64 {
        match self {
            Listing::Users { .. } => 2000,
            Listing::Groups => 400,
        }
    }

    fn path(&self, org: &str, page: u32) -> String {
        match self {
            Listing::Users { group: Some(g), .. } => {
                format!("/users/{}/{page}/{}", segment(org), segment(g))
            }
            Listing::Users { group: None, .. } => format!("/users/{}/{page}", segment(org)),
            Listing::Groups => format!("/groups/{}/{page}", segment(org)),
        }
    }

    fn key(&self) -> &'static str {
        match self {
            Listing::Users { .. } => "users",
            Listing::Groups => "groups",
        }
    }

    fn class(&self) -> RouteClass {
        match self {
            Listing::Users { .. } => RouteClass::Users,
            Listing::Groups => RouteClass::Groups,
        }
    }

    fn describe(&self) -> String {
        match self {
            Listing::Users { group: Some(g), .. } => format!("listing the users of group {g:?}"),
            Listing::Users { group: None, .. } => "listing users".into(),
            Listing::Groups => "listing groups".into(),
        }
    }
}

/// The state of one paged listing.
struct Pager {
    client: Client,
    listing: Listing,
    next: u32,
    received: u64,
    first_page_len: Option<u64>,
    max_unlisted: Option<u64>,
    done: bool,
    stats: Arc<Mutex<QueryStats>>,
}

fn header_u64(h: &HeaderMap, name: &str) -> Option<u64> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

impl Pager {
    async fn fetch<T: DeserializeOwned>(&mut self) -> Result<Option<Page<T>>> {
        if self.done {
            return Ok(None);
        }
        let n = self.next;
        let what = self.listing.describe();
        let path = self.listing.path(&self.client.inner.org_id, n);
        let query = match &self.listing {
            Listing::Users { query, .. } => query.clone(),
            Listing::Groups => Vec::new(),
        };
        let inner = &self.client.inner;
        inner
            .counters
            .queries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let a = self
            .client
            .request(self.listing.class(), Method::GET, &path, &query, None)
            .await?;
        let truncated = |detail: String| Error::Truncated {
            what: what.clone(),
            detail,
        };
        if a.status.as_u16() == 404 && n > 0 {
            return Err(truncated(format!(
                "page {n} answered 404 before any page said lastPage"
            )));
        }
        let mut body = self.client.json_ok(&a, "GET", &path)?;
        let result = body.get("result").and_then(Value::as_str);
        if result != Some("success") {
            let mut e = api_error(&a, "GET", &path);
            if let Error::Api { message, .. } = &mut e {
                message.get_or_insert_with(|| {
                    format!(
                        "result is {:?}, not \"success\"",
                        result.unwrap_or("<missing>")
                    )
                    .into()
                });
            }
            return Err(e);
        }
        // Taken out of the body, not cloned: pages hold up to 2,000 users.
        let items: Vec<T> = match body.get_mut(self.listing.key()).map(Value::take) {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => serde_json::from_value(v).map_err(|e| Error::Decode {
                what: format!("GET {path}"),
                detail: format!(
                    "`{}` is not a list of the expected objects: {e}",
                    self.listing.key()
                ),
            })?,
        };
        let last_page = match body.get("lastPage") {
            Some(Value::Bool(b)) => *b,
            _ => {
                return Err(Error::Decode {
                    what: format!("GET {path}"),
                    detail: "the page has no boolean `lastPage`".into(),
                });
            }
        };
        let page = Page {
            number: n,
            last_page,
            total_count: header_u64(&a.headers, "x-total-count"),
            page_count: header_u64(&a.headers, "x-page-count"),
            page_size: header_u64(&a.headers, "x-page-size"),
            items,
        };
        self.received += page.items.len() as u64;
        self.first_page_len.get_or_insert(page.items.len() as u64);
        {
            let mut s = self.stats.lock().unwrap_or_else(|p| p.into_inner());
            s.total_count = page.total_count.or(s.total_count);
            s.page_count = page.page_count.or(s.page_count);
            s.page_size = page.page_size.or(s.page_size);
            s.current_page = Some(n);
            s.pages += 1;
            s.items = self.received;
        }
        if page.items.is_empty() && !last_page {
            return Err(truncated(format!(
                "page {n} is empty but lastPage is false"
            )));
        }
        if last_page {
            self.done = true;
            self.check_complete(&page).map_err(truncated)?;
        } else {
            self.next = n
                .checked_add(1)
                .ok_or_else(|| truncated("more than 2^32 pages".into()))?;
        }
        Ok(Some(page))
    }

    /// Compares what arrived with the server's own counts once `lastPage` is seen.
    fn check_complete<T>(&self, last: &Page<T>) -> std::result::Result<(), String> {
        if let Some(count) = last.page_count
            && u64::from(last.number) + 1 < count
        {
            return Err(format!(
                "lastPage came on page {} but X-Page-Count says {count} pages",
                last.number + 1
            ));
        }
        if let Some(total) = last.total_count {
            // UMAPI counts technical accounts in X-Total-Count without listing them, so a
            // shortfall below one page is taken for them; a page or more means pages went
            // missing (or the caller's explicit allowance decides). The page size is the first
            // page's length when there were several pages; a listing of one page does not show
            // it, so UMAPI's own page size stands in (then a small org with more integrations
            // than users still lists, and a first page of 2,000 said to be the last while
            // X-Total-Count says 8,000 — umapi-client.py #111 — does not).
            let first = self.first_page_len.unwrap_or(0);
            let page_size = if last.number == 0 {
                first.max(self.listing.documented_page_size())
            } else {
                first
            };
            let allowed = self
                .max_unlisted
                .unwrap_or_else(|| page_size.saturating_sub(1));
            let missing = total.saturating_sub(self.received);
            if missing > allowed {
                return Err(format!(
                    "received {} items but X-Total-Count says {total} ({missing} missing, at most {allowed} expected unlisted)",
                    self.received
                ));
            }
        }
        Ok(())
    }
}

/// Shared machinery of the paged queries.
#[derive(Clone)]
struct Paged {
    client: Client,
    listing: Listing,
    max_unlisted: Option<u64>,
    stats: Arc<Mutex<QueryStats>>,
}

impl Paged {
    fn pages<T: DeserializeOwned + Send + 'static>(
        &self,
    ) -> impl Stream<Item = Result<Page<T>>> + Send + use<T> {
        *self.stats.lock().unwrap_or_else(|p| p.into_inner()) = QueryStats::default();
        let pager = Pager {
            client: self.client.clone(),
            listing: self.listing.clone(),
            next: 0,
            received: 0,
            first_page_len: None,
            max_unlisted: self.max_unlisted,
            done: false,
            stats: self.stats.clone(),
        };
        stream::try_unfold(pager, |mut p| async move {
            let page = p.fetch::<T>().await?;
            Ok(page.map(|page| (page, p)))
        })
    }

    fn items<T: DeserializeOwned + Send + 'static>(
        &self,
    ) -> impl Stream<Item = Result<T>> + Send + use<T> {
        self.pages::<T>()
            .map_ok(|p| stream::iter(p.items.into_iter().map(Ok)))
            .try_flatten()
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

    /// Every user (all pages).
    pub async fn all(&self) -> Result<Vec<User>> {
        self.stream().try_collect().await
    }

    /// The paging headers seen by the latest run of this query.
    pub fn stats(&self) -> QueryStats {
        self.paged.stats()
    }
}

/// Lists groups, product profiles and admin groups. Built by [`Client::groups`].
#[derive(Clone)]
pub struct GroupsQuery {
    paged: Paged,
}

impl GroupsQuery {
    /// The pages, fetched lazily.
    pub fn pages(&self) -> impl Stream<Item = Result<Page<Group>>> + Send + use<> {
        self.paged.pages()
    }

    /// The groups, fetched lazily.
    pub fn stream(&self) -> impl Stream<Item = Result<Group>> + Send + use<> {
        self.paged.items()
    }

    /// Every group.
    pub async fn all(&self) -> Result<Vec<Group>> {
        self.stream().try_collect().await
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
            if let Error::Api { code: Some(c), .. } = &e
                && &**c == "error.user.not_found"
            {
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
            paged: Paged {
                client: self.clone(),
                listing: Listing::Groups,
                max_unlisted: None,
                stats: Arc::default(),
            },
            group: None,
            domain: None,
            direct_only: true,
            status: None,
            exclude_groups: false,
        }
    }

    /// Lists groups, product profiles and admin groups.
    pub fn groups(&self) -> GroupsQuery {
        GroupsQuery {
            paged: Paged {
                client: self.clone(),
                listing: Listing::Groups,
                max_unlisted: None,
                stats: Arc::default(),
            },
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pager(listing: Listing, received: u64, first_page_len: u64) -> Pager {
        let client = Client::builder()
            .org_id("o@AdobeOrg")
            .oauth("id", "secret")
            .build()
            .unwrap();
        Pager {
            client,
            listing,
            next: 0,
            received,
            first_page_len: Some(first_page_len),
            max_unlisted: None,
            done: true,
            stats: Arc::default(),
        }
    }

    fn last(number: u32, total: Option<u64>, pages: Option<u64>) -> Page<()> {
        Page {
            items: Vec::new(),
            number,
            last_page: true,
            total_count: total,
            page_count: pages,
            page_size: None,
        }
    }

    fn users() -> Listing {
        Listing::Users {
            group: None,
            query: Vec::new(),
        }
    }

    #[test]
    fn counts_that_promise_more_pages_or_users_are_a_truncation() {
        // lastPage on page 2 of 4.
        let p = pager(users(), 30, 10);
        let err = p.check_complete(&last(2, None, Some(4))).unwrap_err();
        assert!(err.contains("X-Page-Count says 4"), "{err}");
        // Three pages of 10 came, X-Total-Count says 45: a page or more is missing.
        let err = p.check_complete(&last(2, Some(45), None)).unwrap_err();
        assert!(err.contains("15 missing"), "{err}");
        // Fewer than a page short: technical accounts.
        assert!(p.check_complete(&last(2, Some(38), Some(3))).is_ok());
        // umapi-client.py #111: one page of 2,000 said to be the last, of 8,000.
        let p = pager(users(), 2000, 2000);
        assert!(p.check_complete(&last(0, Some(8000), None)).is_err());
    }

    #[test]
    fn a_small_org_with_more_integrations_than_users_is_complete() {
        // One page of 2 users; X-Total-Count also counts 5 technical accounts.
        let p = pager(users(), 2, 2);
        assert!(p.check_complete(&last(0, Some(7), Some(1))).is_ok());
        let groups = pager(Listing::Groups, 3, 3);
        assert!(groups.check_complete(&last(0, Some(5), Some(1))).is_ok());
        // The caller's own allowance decides when given.
        let mut strict = pager(users(), 2, 2);
        strict.max_unlisted = Some(0);
        assert!(strict.check_complete(&last(0, Some(7), Some(1))).is_err());
    }
}
