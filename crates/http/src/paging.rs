//! The paging engine of both clients: the pages of a listing fetched concurrently in a bounded
//! window, handed out in order, and checked so that a listing is never silently short or long.
//!
//! A client describes how its pages are addressed ([`Paging`]) and how to fetch page `i` (a
//! closure returning a [`FetchedPage`]); [`pages`] does the rest:
//!
//! - **Concurrency.** Page 0 goes alone. When it tells how many pages there are (a total of items
//!   with a client-chosen page size, as JumpCloud v1's `totalCount`; or a page count, as UMAPI's
//!   `X-Page-Count`), the remaining pages go out in a window of up to
//!   [`concurrency`](Paging::concurrency) requests. Without a total (JumpCloud v2) the window
//!   opens speculatively, doubling from two, and whatever was asked past the end is dropped. The
//!   window halves whenever a page needed retries (throttling, a gateway error) and grows back by
//!   one per clean page (AIMD); each request honours its own `Retry-After` in the executor.
//!   Memory is bounded by the window: at most `concurrency` pages are held.
//! - **Self-checks.** Every page is checked against what the server said: its claimed length
//!   (`X-Page-Size`), the item count that the total implies for it, its `lastPage` flag against
//!   the page count, a short page without a total is the last only if the next page is empty,
//!   a page that repeats an earlier one (same item identities) or shares items with the page
//!   before it, and a total that changes during the listing. A page that fails a check is read
//!   once more; if it fails again the listing stops with a [`PagingError`] naming the page and
//!   the counts. At the end, the items received are compared with the server's total.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;

use futures_util::stream::{FuturesOrdered, Stream, StreamExt};

/// Pages in flight at once by default: at 50 ms a request, 200 pages take about 0.6 s.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// One page as the client fetched and decoded it.
#[derive(Debug, Clone)]
pub struct FetchedPage<T> {
    /// The items, in the server's order.
    pub items: Vec<T>,
    /// An identity hash for each item that has an identity (see [`identity`]); empty when items
    /// have none, which turns the repeated-page checks off for this page.
    pub keys: Vec<u64>,
    /// The number of items the whole listing holds, when the server says (`totalCount`,
    /// `X-Total-Count`).
    pub total_items: Option<u64>,
    /// The number of pages, when the server says (`X-Page-Count`).
    pub total_pages: Option<u64>,
    /// The number of items the server says this page holds (`X-Page-Size`).
    pub claimed_len: Option<u64>,
    /// Whether the server says this is the last page (`lastPage`).
    pub last: Option<bool>,
    /// The request needed retries (throttling, gateway errors): the window backs off.
    pub retried: bool,
}

impl<T> FetchedPage<T> {
    /// A page of these items, with nothing else known.
    pub fn new(items: Vec<T>) -> Self {
        FetchedPage {
            items,
            keys: Vec::new(),
            total_items: None,
            total_pages: None,
            claimed_len: None,
            last: None,
            retried: false,
        }
    }
}

/// The identity hash of an item, from bytes that identify it (its id, or its whole JSON text).
pub fn identity(bytes: &[u8]) -> u64 {
    // SipHash with fixed keys: deterministic, and cheap next to decoding the item.
    let mut h = std::hash::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// How a listing's pages are addressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressing {
    /// `skip`/`limit`, as JumpCloud: page `i` is the `limit` items from `start + i × limit`.
    Offset {
        /// The first item's offset (the caller's `skip`).
        start: u64,
        /// Items per page.
        limit: u64,
    },
    /// Numbered pages of a size the server chooses, each saying whether it is the last (UMAPI).
    Numbered {
        /// The server's documented page size, used only to judge a listing of one page.
        documented_size: u64,
    },
}

/// A listing to page through: what it is called in errors, how pages are addressed, and how many
/// go at once.
#[derive(Debug, Clone)]
pub struct Paging {
    what: String,
    addressing: Addressing,
    concurrency: usize,
    max_unlisted: Option<u64>,
}

impl Paging {
    /// A listing named `what` in errors (for example `"systemusers_list (GET /api/systemusers)"`).
    pub fn new(what: impl Into<String>, addressing: Addressing) -> Self {
        Paging {
            what: what.into(),
            addressing,
            concurrency: DEFAULT_CONCURRENCY,
            max_unlisted: None,
        }
    }

    /// Pages fetched at once once the listing's size is known (or speculatively without it).
    /// `1` fetches one page after another; `0` is taken as `1`. Default [`DEFAULT_CONCURRENCY`].
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.concurrency = pages.max(1);
        self
    }

    /// How many items the server may count in its total without listing them (UMAPI counts
    /// technical accounts that it never lists). Default: fewer than one page, for numbered
    /// pages; none for offset pages.
    pub fn max_unlisted(mut self, items: Option<u64>) -> Self {
        self.max_unlisted = items;
        self
    }
}

/// A listing that did not add up. The message names the listing, the page and the counts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PagingError {
    /// A page failed a check twice in a row.
    #[error(
        "{what}: page {page} {problem} (read twice); stopped rather than return a short or repeated \
         list: try again, and if it persists lower the concurrency or check any proxy in between"
    )]
    Inconsistent {
        /// The listing.
        what: String,
        /// The page (0-based).
        page: u64,
        /// What was wrong with it.
        problem: String,
    },
    /// The listing ended with a count different from the server's total.
    #[error("{what}: {detail}; try again, and if it persists check any proxy in between")]
    Incomplete {
        /// The listing.
        what: String,
        /// The counts.
        detail: String,
    },
    /// The server's total changed while the pages were read: records were added or removed.
    #[error(
        "{what}: the total changed from {before} to {after} during the listing (records were \
         added or removed meanwhile), so pages may have shifted; list again"
    )]
    Changed {
        /// The listing.
        what: String,
        /// The total of the first page.
        before: u64,
        /// The total of a later page.
        after: u64,
    },
}

impl PagingError {
    /// True for [`PagingError::Changed`]: listing again is the remedy.
    pub fn is_changed(&self) -> bool {
        matches!(self, PagingError::Changed { .. })
    }
}

type Pending<T, E> = Pin<Box<dyn Future<Output = (u64, Result<FetchedPage<T>, E>)> + Send>>;

/// The totals page 0 announced.
#[derive(Debug, Clone, Copy)]
struct Baseline {
    total_items: Option<u64>,
    total_pages: Option<u64>,
    /// Pages the listing has, when known.
    pages: Option<u64>,
    first_len: u64,
}

/// What a check made of a page.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Fine; `true` when it is the last page.
    Good(bool),
    /// Fine if the next page is empty (a short page without a total).
    EndIfNextEmpty,
    /// Wrong: read it again.
    Suspect(String),
}

struct Engine<T, E, F> {
    fetch: F,
    cfg: Paging,
    /// The next page index to request.
    issued: u64,
    /// The next page index to hand out.
    next_out: u64,
    inflight: FuturesOrdered<Pending<T, E>>,
    /// A page fetched ahead to confirm the end of the listing.
    lookahead: Option<(u64, Result<FetchedPage<T>, E>)>,
    window: usize,
    baseline: Option<Baseline>,
    received: u64,
    prev_keys: HashSet<u64>,
    fingerprints: HashMap<u64, u64>,
    done: bool,
}

/// The pages of a listing, in order, each with its index, fetched by `fetch(index)` as described
/// in the [module docs](self). The stream ends after the last page or the first error.
pub fn pages<T, E, F, Fut>(
    paging: Paging,
    fetch: F,
) -> impl Stream<Item = Result<(u64, FetchedPage<T>), E>> + Send
where
    T: Send + 'static,
    E: From<PagingError> + Send + 'static,
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<FetchedPage<T>, E>> + Send + 'static,
{
    let engine = Engine {
        fetch,
        window: paging.concurrency,
        cfg: paging,
        issued: 0,
        next_out: 0,
        inflight: FuturesOrdered::new(),
        lookahead: None,
        baseline: None,
        received: 0,
        prev_keys: HashSet::new(),
        fingerprints: HashMap::new(),
        done: false,
    };
    futures_util::stream::unfold(engine, |mut e| async move {
        let item = e.next_page().await?;
        Some((item, e))
    })
}

impl<T, E, F, Fut> Engine<T, E, F>
where
    T: Send + 'static,
    E: From<PagingError> + Send + 'static,
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<FetchedPage<T>, E>> + Send + 'static,
{
    /// Requests page `issued` as a task of its own, so that it progresses while the caller is
    /// busy with earlier pages; dropping the stream cancels it.
    fn issue(&mut self) {
        let i = self.issued;
        let mut task = AbortOnDrop(tokio::spawn((self.fetch)(i)));
        let what = self.cfg.what.clone();
        self.inflight.push_back(Box::pin(async move {
            let result = match (&mut task.0).await {
                Ok(r) => r,
                Err(e) => Err(E::from(PagingError::Incomplete {
                    what,
                    detail: format!("the request for page {i} ended abnormally: {e}"),
                })),
            };
            (i, result)
        }));
        self.issued += 1;
    }

    /// Requests pages up to the window: only page 0 until it is known; up to the last page when
    /// the count is known; speculatively (window doubling from 2) when it is not.
    fn top_up(&mut self) {
        let Some(base) = self.baseline else {
            if self.issued == 0 {
                self.issue();
            }
            return;
        };
        let window = match base.pages {
            Some(_) => self.window,
            // Speculative: two pages ahead at first, doubling with every page handed out.
            None => self
                .window
                .min(2usize.saturating_pow(self.next_out.min(16) as u32)),
        };
        let held = self.inflight.len() + usize::from(self.lookahead.is_some());
        let mut room = window.saturating_sub(held);
        while room > 0 && base.pages.is_none_or(|n| self.issued < n) {
            self.issue();
            room -= 1;
        }
    }

    /// The result for page `index`: the look-ahead if it holds it, else the head of the window.
    async fn take(&mut self, index: u64) -> Result<FetchedPage<T>, E> {
        if let Some((i, r)) = self.lookahead.take() {
            if i == index {
                return r;
            }
            self.lookahead = Some((i, r));
        }
        if self.issued <= index {
            self.issue();
        }
        match self.inflight.next().await {
            Some((i, r)) if i == index => r,
            // Pages are requested and answered in order; anything else is a bug here, reported
            // rather than a page silently skipped.
            other => Err(E::from(PagingError::Incomplete {
                what: self.cfg.what.clone(),
                detail: format!(
                    "internal paging error: expected page {index}, got {:?}",
                    other.map(|(i, _)| i)
                ),
            })),
        }
    }

    async fn next_page(&mut self) -> Option<Result<(u64, FetchedPage<T>), E>> {
        if self.done {
            return None;
        }
        let result = self.next_checked().await;
        if result.is_err() {
            self.done = true;
        }
        Some(result)
    }

    async fn next_checked(&mut self) -> Result<(u64, FetchedPage<T>), E> {
        let i = self.next_out;
        self.top_up();
        let mut page = self.take(i).await?;
        let mut second_read = false;
        let end = loop {
            let verdict = match self.check(i, &page) {
                Ok(v) => v,
                Err(e) => return Err(E::from(e)),
            };
            let problem = match verdict {
                Verdict::Good(end) => break end,
                Verdict::EndIfNextEmpty => match self.probe_next(i).await? {
                    None => break true,
                    Some(problem) => problem,
                },
                Verdict::Suspect(problem) => problem,
            };
            if second_read {
                return Err(E::from(PagingError::Inconsistent {
                    what: self.cfg.what.clone(),
                    page: i,
                    problem,
                }));
            }
            tracing::warn!(target: "idm_http::paging", "{}: page {i} {problem}; reading it again", self.cfg.what);
            second_read = true;
            page = (self.fetch)(i).await?;
        };
        self.accept(i, &page, end);
        if !end {
            // The next pages are asked for now, while the caller works through this one.
            self.top_up();
        }
        Ok((i, page))
    }

    /// Confirms that a short page is the last: the next page must be empty. Returns the problem
    /// when it is not.
    async fn probe_next(&mut self, i: u64) -> Result<Option<String>, E> {
        let next = self.take(i + 1).await;
        let verdict = match &next {
            Ok(p) if p.items.is_empty() => None,
            Ok(p) => Some(format!(
                "is short (fewer items than the page size) yet the next page has {} items",
                p.items.len()
            )),
            Err(_) => None,
        };
        match next {
            // The probe itself failed: that error is the listing's.
            Err(e) => Err(e),
            Ok(p) => {
                self.lookahead = Some((i + 1, Ok(p)));
                Ok(verdict)
            }
        }
    }

    /// Checks a page against what the server said; an `Err` ends the listing at once.
    fn check(&self, i: u64, page: &FetchedPage<T>) -> Result<Verdict, PagingError> {
        let n = page.items.len() as u64;
        if let Some(claimed) = page.claimed_len
            && claimed != n
        {
            return Ok(Verdict::Suspect(format!(
                "holds {n} items but its X-Page-Size says {claimed}"
            )));
        }
        if let Some(base) = &self.baseline {
            for (before, after) in [
                (base.total_items, page.total_items),
                (base.total_pages, page.total_pages),
            ] {
                if let (Some(before), Some(after)) = (before, after)
                    && before != after
                {
                    return Err(PagingError::Changed {
                        what: self.cfg.what.clone(),
                        before,
                        after,
                    });
                }
            }
        }
        if let Some(problem) = self.repeats(i, page) {
            return Ok(Verdict::Suspect(problem));
        }
        let verdict = match self.cfg.addressing {
            Addressing::Offset { start, limit } => {
                match page
                    .total_items
                    .or(self.baseline.and_then(|b| b.total_items))
                {
                    Some(total) => {
                        let pages = offset_pages(total, start, limit);
                        let expected = if i + 1 < pages {
                            limit
                        } else {
                            total.saturating_sub(start).saturating_sub(i * limit)
                        };
                        if n != expected {
                            Verdict::Suspect(format!(
                                "holds {n} items where {expected} were expected (a total of \
                                 {total}, {limit} a page)"
                            ))
                        } else {
                            Verdict::Good(i + 1 >= pages)
                        }
                    }
                    None if n > limit => Verdict::Suspect(format!(
                        "holds {n} items, more than the {limit} asked for"
                    )),
                    None if n < limit => Verdict::EndIfNextEmpty,
                    None => Verdict::Good(false),
                }
            }
            Addressing::Numbered { .. } => {
                let count = page
                    .total_pages
                    .or(self.baseline.and_then(|b| b.total_pages));
                let last = page.last == Some(true);
                match count {
                    Some(c) if last && i + 1 < c => Verdict::Suspect(format!(
                        "says it is the last page, but X-Page-Count says {c} pages"
                    )),
                    Some(c) if !last && i + 1 >= c => Verdict::Suspect(format!(
                        "is page {} of {c} (X-Page-Count) but does not say it is the last",
                        i + 1
                    )),
                    _ if !last && n == 0 => {
                        Verdict::Suspect("is empty but does not say it is the last".into())
                    }
                    _ => Verdict::Good(last),
                }
            }
        };
        if verdict == Verdict::Good(true)
            && let Some(problem) = self.check_total(i, page)
        {
            return Ok(Verdict::Suspect(problem));
        }
        Ok(verdict)
    }

    /// A page whose items are those of an earlier page, or that shares items with the page
    /// before it (a page served twice, or records shifted between two reads).
    fn repeats(&self, i: u64, page: &FetchedPage<T>) -> Option<String> {
        if page.keys.is_empty() {
            return None;
        }
        if let Some(j) = self.fingerprints.get(&fingerprint(&page.keys)) {
            return Some(format!("repeats page {j} item for item"));
        }
        let shared = page
            .keys
            .iter()
            .filter(|k| self.prev_keys.contains(k))
            .count();
        (shared > 0).then(|| {
            format!(
                "repeats {shared} of the items of page {} (a page served twice, or records \
                 shifted while listing)",
                i.saturating_sub(1)
            )
        })
    }

    /// At the last page: the items received against the server's total.
    fn check_total(&self, i: u64, page: &FetchedPage<T>) -> Option<String> {
        let total = page
            .total_items
            .or(self.baseline.and_then(|b| b.total_items))?;
        let received = self.received + page.items.len() as u64;
        let (expected, allowed) = match self.cfg.addressing {
            Addressing::Offset { start, .. } => (
                total.saturating_sub(start),
                self.cfg.max_unlisted.unwrap_or(0),
            ),
            Addressing::Numbered { documented_size } => {
                // Items counted but never listed (UMAPI's technical accounts): fewer than a
                // page. A listing of one page does not show the page size, so the documented
                // one stands in.
                let first = self
                    .baseline
                    .map_or(page.items.len() as u64, |b| b.first_len);
                let size = if i == 0 {
                    first.max(documented_size)
                } else {
                    first
                };
                (
                    total,
                    self.cfg.max_unlisted.unwrap_or(size.saturating_sub(1)),
                )
            }
        };
        if received > expected {
            return Some(format!(
                "ends the listing with {received} items received, more than the server's total \
                 of {expected}: some were listed twice"
            ));
        }
        let missing = expected - received;
        (missing > allowed).then(|| {
            format!(
                "ends the listing with {received} items received of the server's total of \
                 {expected} ({missing} missing, at most {allowed} expected unlisted)"
            )
        })
    }

    /// Takes a checked page into the running state.
    fn accept(&mut self, i: u64, page: &FetchedPage<T>, end: bool) {
        if self.baseline.is_none() {
            let pages = match self.cfg.addressing {
                Addressing::Offset { start, limit } => page
                    .total_items
                    .map(|total| offset_pages(total, start, limit)),
                Addressing::Numbered { .. } => page.total_pages,
            };
            self.baseline = Some(Baseline {
                total_items: page.total_items,
                total_pages: page.total_pages,
                pages,
                first_len: page.items.len() as u64,
            });
        }
        self.received += page.items.len() as u64;
        if !page.keys.is_empty() {
            self.fingerprints.insert(fingerprint(&page.keys), i);
            self.prev_keys = page.keys.iter().copied().collect();
        } else {
            self.prev_keys.clear();
        }
        self.window = if page.retried {
            (self.window / 2).max(1)
        } else {
            (self.window + 1).min(self.cfg.concurrency)
        };
        self.next_out = i + 1;
        if end {
            self.done = true;
            // Pages asked for past the end are not needed: dropping them cancels them.
            self.inflight = FuturesOrdered::new();
            self.lookahead = None;
        }
    }
}

/// A page request running as a task; dropping it (the stream was dropped, or the page is past
/// the end) cancels it.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Pages an offset listing of `total` items has from `start`, `limit` a page (at least one:
/// an empty listing is one empty page).
fn offset_pages(total: u64, start: u64, limit: u64) -> u64 {
    total.saturating_sub(start).div_ceil(limit.max(1)).max(1)
}

fn fingerprint(keys: &[u64]) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    keys.hash(&mut h);
    h.finish()
}

/// Runs a listing, and once more if its total changed while it ran ([`PagingError::Changed`]);
/// a second change is returned as the error. For collecting a whole listing (a stream already
/// handed out cannot be taken back, so streams report the change instead).
pub async fn retry_if_changed<T, E, Fut>(
    mut run: impl FnMut() -> Fut,
    is_changed: impl Fn(&E) -> bool,
) -> Result<T, E>
where
    Fut: Future<Output = Result<T, E>>,
{
    match run().await {
        Err(e) if is_changed(&e) => {
            tracing::warn!(target: "idm_http::paging", "the listing changed while it was read; listing again");
            run().await
        }
        other => other,
    }
}

#[cfg(test)]
mod tests;
