//! One request of one operation: parameters by name, execution with retries, decoding, paging.

use futures_core::Stream;
use idm_http::paging::{Addressing, FetchedPage, Paging as Pages, identity};
use idm_http::reqwest::header::{HeaderName, HeaderValue};
use idm_http::reqwest::{Method, Url};
use idm_http::{Attempted, ErrorResponse, RequestOptions, excerpt, send_with_retry};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::catalog::{Location, Operation, Paging};
use crate::client::Client;
use crate::error::{ApiError, Error, Result};

/// The page size of `stream()` and `all()` when `limit` is not set: JumpCloud's maximum.
pub const DEFAULT_PAGE_SIZE: u64 = 100;

/// A file for a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub struct FilePart {
    /// The form field name.
    pub field: String,
    /// The file name sent.
    pub file_name: String,
    /// Its media type, e.g. `image/png`.
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}

#[derive(Debug, Clone)]
enum Body {
    Json(std::result::Result<Vec<u8>, String>),
    Files(Vec<FilePart>),
}

impl Client {
    /// A request for any operation of the [catalog](crate::catalog), with parameters given by
    /// name: what the typed builders use underneath, and what `idm jumpcloud call` uses.
    pub fn request(&self, operation: &'static Operation) -> OpRequest {
        OpRequest::new(self, operation)
    }
}

/// A request being built for one [`Operation`]. The generated builders wrap it; get one
/// directly from [`Client::request`] to call an operation by name.
#[derive(Clone)]
pub struct OpRequest {
    client: Client,
    op: &'static Operation,
    path: Vec<(&'static str, String)>,
    query: Vec<(&'static str, String)>,
    headers: Vec<(String, String)>,
    body: Option<Body>,
    concurrency: usize,
    options: RequestOptions,
}

impl std::fmt::Debug for OpRequest {
    /// Header values are left out: `Authorization` may carry a System Context signature.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("OpRequest")
            .field("operation", &self.op.id)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body", &self.body.as_ref().map(|_| "<set>"))
            .field("concurrency", &self.concurrency)
            .field("options", &self.options)
            .finish()
    }
}

/// Why a request could not be prepared (a header value that HTTP does not allow, signing).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Prepare(String);

impl OpRequest {
    /// A request with no parameter set.
    pub fn new(client: &Client, op: &'static Operation) -> Self {
        OpRequest {
            client: client.clone(),
            op,
            path: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            concurrency: idm_http::paging::DEFAULT_CONCURRENCY,
            options: RequestOptions::default(),
        }
    }

    /// Overrides the client's timeout or retry policy for this request (every page of a
    /// listing).
    ///
    /// ```no_run
    /// # async fn f(client: jumpcloud::Client) -> jumpcloud::Result<()> {
    /// use std::time::Duration;
    /// use jumpcloud::RetryPolicy;
    ///
    /// // A health check: one attempt, two seconds.
    /// let me = client
    ///     .v1()
    ///     .systemusers()
    ///     .list()
    ///     .limit(1)
    ///     .customize(|o| o.timeout(Duration::from_secs(2)).retry(RetryPolicy::none()))
    ///     .send()
    ///     .await?;
    /// # drop(me); Ok(()) }
    /// ```
    pub fn customize(&mut self, f: impl FnOnce(RequestOptions) -> RequestOptions) {
        self.options = f(std::mem::take(&mut self.options));
    }

    /// How many pages [`stream`](Self::stream) fetches at once (default
    /// [`DEFAULT_CONCURRENCY`](idm_http::paging::DEFAULT_CONCURRENCY)). Items still come in
    /// order; at most this many pages are held in memory. `0` and `1` mean one page at a time.
    pub fn set_concurrency(&mut self, pages: usize) {
        self.concurrency = pages.max(1);
    }

    /// The operation.
    pub fn operation(&self) -> &'static Operation {
        self.op
    }

    /// Sets a path parameter.
    pub fn path(&mut self, name: &'static str, value: String) {
        self.path.retain(|(n, _)| *n != name);
        self.path.push((name, value));
    }

    /// Sets a query parameter (replacing an earlier value).
    pub fn query(&mut self, name: &'static str, value: String) {
        self.query.retain(|(n, _)| *n != name);
        self.query.push((name, value));
    }

    /// A query parameter already set, as a number.
    fn query_u64(&self, name: &str) -> Option<u64> {
        self.query
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.parse().ok())
    }

    /// Sets a list query parameter, sent comma-separated as the spec says (`style: form`,
    /// `explode: false`).
    pub fn query_list(&mut self, name: &'static str, values: Vec<String>) {
        self.query(name, values.join(","));
    }

    /// Sets a header (replacing an earlier value of the same name).
    pub fn header(&mut self, name: &str, value: String) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value));
    }

    /// Sets a JSON body.
    pub fn json_body<T: Serialize + ?Sized>(&mut self, body: &T) {
        self.body = Some(Body::Json(
            serde_json::to_vec(body).map_err(|e| e.to_string()),
        ));
    }

    /// Adds a file to a multipart body.
    pub fn file(&mut self, file: FilePart) {
        match &mut self.body {
            Some(Body::Files(files)) => files.push(file),
            _ => self.body = Some(Body::Files(vec![file])),
        }
    }

    /// Sets any parameter of the operation by its wire name, checking that the operation has it.
    pub fn param(&mut self, name: &str, value: impl Into<String>) -> Result<()> {
        let p = self.op.param(name).ok_or_else(|| {
            let known: Vec<&str> = self.op.params.iter().map(|p| p.name).collect();
            Error::Argument(format!(
                "{} has no parameter {name:?}; its parameters are: {}",
                self.op.id,
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
        })?;
        let value = value.into();
        match p.location {
            Location::Path => self.path(p.name, value),
            Location::Query => self.query(p.name, value),
            Location::Header => self.header(p.name, value),
        }
        Ok(())
    }

    fn url(&self) -> Result<Url> {
        let mut path = String::from(self.op.api.prefix());
        let mut rest = self.op.path;
        while let Some(start) = rest.find('{') {
            path.push_str(&rest[..start]);
            let end = rest[start..]
                .find('}')
                .map(|e| start + e)
                .ok_or_else(|| Error::Argument(format!("bad path template {}", self.op.path)))?;
            let name = &rest[start + 1..end];
            let value = self
                .path
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v)
                .ok_or_else(|| {
                    Error::Argument(format!("{} needs the path parameter {name:?}", self.op.id))
                })?;
            if value.is_empty() {
                return Err(Error::Argument(format!(
                    "{}: the path parameter {name:?} is empty",
                    self.op.id
                )));
            }
            path.push_str(&percent_encoding::utf8_percent_encode(value, SEGMENT).to_string());
            rest = &rest[end + 1..];
        }
        path.push_str(rest);
        let inner = &self.client.inner;
        let mut url = if self.op.api == crate::catalog::Api::Insights {
            inner.insights_base.clone()
        } else {
            inner.base.clone()
        };
        let base_path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base_path}{path}"));
        if !self.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &self.query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    fn path_for_errors(&self) -> String {
        self.url()
            .map(|u| u.path().to_owned())
            .unwrap_or_else(|_| self.op.full_path())
    }

    /// Sends the request (with retries) and returns the successful response.
    async fn execute(&self) -> Result<Attempted> {
        let op = self.op;
        let url = self.url()?;
        let method = Method::from_bytes(op.method.as_bytes())
            .map_err(|_| Error::Argument(format!("bad method {}", op.method)))?;
        let inner = &self.client.inner;
        let body = match &self.body {
            Some(Body::Json(Err(e))) => {
                return Err(Error::Argument(format!(
                    "{}: the body cannot be serialised: {e}",
                    op.id
                )));
            }
            Some(Body::Json(Ok(bytes))) => Some(("application/json".to_string(), bytes.clone())),
            Some(Body::Files(files)) => Some(multipart(files)),
            None => None,
        };
        let request_line_target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let user_sets_auth = self
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("authorization"));
        let what = format!("{} ({} {})", op.id, op.method, url.path());
        let policy = self.options.retry_policy(&inner.retry);
        let result = send_with_retry(policy, op.is_idempotent(), &what, |_attempt| {
            let url = url.clone();
            let method = method.clone();
            let body = body.clone();
            let target = request_line_target.clone();
            async move {
                let req = self.options.apply(
                    inner
                        .http
                        .request(method, url)
                        .header("accept", "application/json"),
                );
                let sets = |h: &str| self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(h));
                let mut req = self
                    .client
                    .authorize(req, op.method, &target, sets("x-org-id"), user_sets_auth)
                    .map_err(Prepare)?;
                for (n, v) in &self.headers {
                    let name = HeaderName::from_bytes(n.as_bytes())
                        .map_err(|_| Prepare(format!("bad header name {n:?}")))?;
                    let mut value = HeaderValue::from_str(v).map_err(|_| {
                        Prepare(format!(
                            "the {n} header holds characters not allowed in a header"
                        ))
                    })?;
                    value.set_sensitive(n.eq_ignore_ascii_case("authorization"));
                    req = req.header(name, value);
                }
                if let Some((ctype, bytes)) = body {
                    req = req.header("content-type", ctype).body(bytes);
                }
                Ok::<_, Prepare>(req)
            }
        })
        .await;
        let attempted = match result {
            Ok(a) => a,
            Err(e) => {
                return Err(match e.into_transport(op.method, self.path_for_errors()) {
                    Ok(t) => Error::Transport {
                        operation: op.id,
                        source: Box::new(t),
                    },
                    Err(prepare) => Error::Argument(format!("{}: {prepare}", op.id)),
                });
            }
        };
        if !attempted.status.is_success() {
            return Err(api_error(op, self.path_for_errors(), &attempted));
        }
        Ok(attempted)
    }

    /// Sends the request and decodes a JSON response.
    ///
    /// An empty answer (JumpCloud sends some without the body its spec promises) decodes as
    /// an empty object or an empty list, whichever `T` is.
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T> {
        let a = self.execute().await?;
        if a.body.iter().all(u8::is_ascii_whitespace)
            && let Some(empty) = [&b"{}"[..], b"[]"]
                .into_iter()
                .find_map(|e| serde_json::from_slice(e).ok())
        {
            return Ok(empty);
        }
        decode(self.op, &a.body)
    }

    /// Sends the request and returns the JSON response as a [`serde_json::Value`] (`null` when empty).
    pub async fn send_value(self) -> Result<serde_json::Value> {
        let a = self.execute().await?;
        if a.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Value::Null);
        }
        match serde_json::from_slice(&a.body) {
            Ok(v) => Ok(v),
            Err(_) => Ok(serde_json::Value::String(
                String::from_utf8_lossy(&a.body).into_owned(),
            )),
        }
    }

    /// Sends the request and returns the response's headers and body (Directory Insights pages
    /// by headers).
    pub(crate) async fn send_with_headers(
        self,
    ) -> Result<(idm_http::reqwest::header::HeaderMap, Vec<u8>)> {
        let a = self.execute().await?;
        Ok((a.headers, a.body))
    }

    /// Sends the request, ignoring any response body.
    pub async fn send_empty(self) -> Result<()> {
        self.execute().await.map(|_| ())
    }

    /// Sends the request and returns the body as text.
    pub async fn send_text(self) -> Result<String> {
        let a = self.execute().await?;
        String::from_utf8(a.body).map_err(|e| Error::Decode {
            operation: self.op.id,
            detail: format!("the body is not UTF-8 text: {e}"),
        })
    }

    /// Sends the request and returns the body's bytes.
    pub async fn send_bytes(self) -> Result<Vec<u8>> {
        Ok(self.execute().await?.body)
    }

    /// Every item of every page, lazily and in order: one request per page of `limit` items
    /// (default [`DEFAULT_PAGE_SIZE`]), starting at `skip` (default 0).
    ///
    /// Once the first page tells the total (v1's `totalCount`), the other pages are fetched up
    /// to [`concurrency`](Self::set_concurrency) at a time; v2 listings, which tell no total,
    /// fetch ahead speculatively. Memory stays at that many pages. Every page is checked against
    /// the total (or, without one, a short page must be followed by an empty one), and a page
    /// that repeats another is caught: a listing that does not add up after one more read of
    /// the page ends with [`Error::Paging`], never silently short or long. A failed page ends
    /// the stream with its error.
    pub fn stream<T: DeserializeOwned + Send + 'static>(
        self,
    ) -> impl Stream<Item = Result<T>> + Send + 'static {
        use futures_util::TryStreamExt as _;
        let limit = self
            .query_u64("limit")
            .filter(|l| *l > 0)
            .unwrap_or(DEFAULT_PAGE_SIZE);
        let start = self.query_u64("skip").unwrap_or(0);
        let op = self.op;
        let paging = Pages::new(
            format!("{} ({} {})", op.id, op.method, self.path_for_errors()),
            Addressing::Offset { start, limit },
        )
        .concurrency(self.concurrency);
        let req = std::sync::Arc::new(self);
        idm_http::paging::pages(paging, move |i| {
            let req = req.clone();
            async move {
                let a = fetch_raw(&req, limit, start + i * limit).await?;
                decode_page::<T>(op, &a)
            }
        })
        .map_ok(|(_, page)| futures_util::stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
    }

    /// Every item of every page, collected (see [`stream`](Self::stream)). A listing whose total
    /// changed while it was read is read once more.
    pub async fn all<T: DeserializeOwned + Send + 'static>(self) -> Result<Vec<T>> {
        use futures_util::TryStreamExt as _;
        idm_http::paging::retry_if_changed(
            || self.clone().stream().try_collect(),
            |e: &Error| matches!(e, Error::Paging(p) if p.is_changed()),
        )
        .await
    }
}

/// Sends the request for the page at `skip`, without decoding it.
async fn fetch_raw(req: &OpRequest, limit: u64, skip: u64) -> Result<Attempted> {
    let mut req = req.clone();
    req.query("limit", limit.to_string());
    req.query("skip", skip.to_string());
    req.execute().await
}

/// Decodes one page in the operation's paging shape, with an identity for each item that has
/// an id (for the paging engine's repeated-page checks).
fn decode_page<T: DeserializeOwned>(
    op: &'static Operation,
    a: &Attempted,
) -> Result<FetchedPage<T>> {
    let header_total = a
        .headers
        .get("x-total-count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let (raw, total): (Vec<&RawValue>, Option<u64>) = match op.paging {
        Some(Paging::Results) => {
            let page: ResultsPage<&RawValue> = decode(op, &a.body)?;
            (
                page.results.unwrap_or_default(),
                page.total_count.or(header_total),
            )
        }
        _ => (decode(op, &a.body)?, header_total),
    };
    let mut keys = Vec::with_capacity(raw.len());
    let mut items = Vec::with_capacity(raw.len());
    for item in raw {
        let text = item.get();
        // Only items that carry an id have an identity: two rows of a table without ids may
        // legitimately be equal.
        if text.contains("\"id\"") || text.contains("\"_id\"") {
            keys.push(identity(text.as_bytes()));
        }
        items.push(decode(op, text.as_bytes())?);
    }
    if keys.len() != items.len() {
        keys.clear();
    }
    let mut page = FetchedPage::new(items);
    page.keys = keys;
    page.total_items = total;
    page.retried = a.attempts > 1;
    Ok(page)
}

#[derive(serde::Deserialize)]
struct ResultsPage<T> {
    #[serde(rename = "totalCount")]
    total_count: Option<u64>,
    results: Option<Vec<T>>,
}

/// A path segment: everything but unreserved characters is escaped.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn decode<'a, T: serde::Deserialize<'a>>(op: &'static Operation, body: &'a [u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        operation: op.id,
        detail: format!("{e}; body: {}", excerpt(body)),
    })
}

fn api_error(op: &'static Operation, path: String, a: &Attempted) -> Error {
    let response = ErrorResponse::new(op.method, path, a);
    let raw = &response.body;
    let body: Option<serde_json::Value> = serde_json::from_slice(&a.body).ok();
    let message = body
        .as_ref()
        .and_then(|b| b.get("message").or_else(|| b.get("error")))
        .and_then(|m| m.as_str())
        .map(str::to_owned)
        .or_else(|| (!raw.trim().is_empty() && body.is_none()).then(|| excerpt(raw.as_bytes())));
    Error::Api(Box::new(ApiError {
        operation: op.id,
        message,
        body,
        response,
    }))
}

/// A `multipart/form-data` body from files: (content type with boundary, bytes).
fn multipart(files: &[FilePart]) -> (String, Vec<u8>) {
    let boundary = format!("idm-{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
    let mut out = Vec::new();
    for f in files {
        let clean = |s: &str| s.replace(['"', '\r', '\n'], "_");
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                clean(&f.field),
                clean(&f.file_name),
                clean(&f.content_type)
            )
            .as_bytes(),
        );
        out.extend_from_slice(&f.data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), out)
}
