//! The engine against an in-memory server whose pages can be cut, repeated or re-counted.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::TryStreamExt;

use super::*;

#[derive(Debug)]
struct Fail(String);

impl From<PagingError> for Fail {
    fn from(e: PagingError) -> Self {
        Fail(e.to_string())
    }
}

/// What the fake server does to one request.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    /// Drop the second half of the page.
    Short,
    /// Serve the previous page's items.
    Duplicate,
    /// Say lastPage with no page count (UMAPI's #111).
    LastEarly,
    /// Claim a total one larger.
    Grown,
}

/// A listing of `n` items `0..n`, served `limit` a page, with faults for given (page, read)
/// pairs: `read` counts the reads of that page from 1.
struct Server {
    n: u64,
    limit: u64,
    with_total: bool,
    numbered: bool,
    faults: Vec<(u64, usize, Fault)>,
    reads: Mutex<HashMap<u64, usize>>,
    inflight: AtomicUsize,
    max_inflight: AtomicUsize,
    requests: AtomicUsize,
}

impl Server {
    fn new(n: u64, limit: u64) -> Self {
        Server {
            n,
            limit,
            with_total: true,
            numbered: false,
            faults: Vec::new(),
            reads: Mutex::default(),
            inflight: AtomicUsize::new(0),
            max_inflight: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
        }
    }

    fn fault(mut self, page: u64, read: usize, f: Fault) -> Self {
        self.faults.push((page, read, f));
        self
    }

    fn page_items(&self, page: u64) -> Vec<u64> {
        let from = (page * self.limit).min(self.n);
        let to = ((page + 1) * self.limit).min(self.n);
        (from..to).collect()
    }

    async fn fetch(self: Arc<Self>, page: u64) -> Result<FetchedPage<u64>, Fail> {
        let now = self.inflight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_inflight.fetch_max(now, Ordering::SeqCst);
        self.requests.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        self.inflight.fetch_sub(1, Ordering::SeqCst);
        let read = {
            let mut reads = self.reads.lock().unwrap();
            let r = reads.entry(page).or_default();
            *r += 1;
            *r
        };
        let fault = self
            .faults
            .iter()
            .find(|(p, r, _)| *p == page && *r == read)
            .map(|f| f.2);
        let mut items = self.page_items(page);
        let pages = self.n.div_ceil(self.limit).max(1);
        let mut total = self.n;
        let mut total_pages = Some(pages);
        let mut last = page + 1 >= pages;
        match fault {
            Some(Fault::Short) => items.truncate(items.len() / 2),
            Some(Fault::Duplicate) => items = self.page_items(page.saturating_sub(1)),
            Some(Fault::LastEarly) => {
                last = true;
                total_pages = None;
            }
            Some(Fault::Grown) => total += 1,
            None => {}
        }
        let keys = items.iter().map(|i| identity(&i.to_be_bytes())).collect();
        Ok(FetchedPage {
            keys,
            total_items: self.with_total.then_some(total),
            total_pages: if self.numbered { total_pages } else { None },
            claimed_len: None,
            last: self.numbered.then_some(last),
            retried: false,
            items,
        })
    }
}

async fn list(server: Arc<Server>, concurrency: usize) -> Result<Vec<u64>, Fail> {
    let addressing = if server.numbered {
        Addressing::Numbered {
            documented_size: server.limit,
        }
    } else {
        Addressing::Offset {
            start: 0,
            limit: server.limit,
        }
    };
    let paging = Paging::new("test listing", addressing).concurrency(concurrency);
    let s = server.clone();
    let pages: Vec<(u64, FetchedPage<u64>)> = pages(paging, move |i| s.clone().fetch(i))
        .try_collect()
        .await?;
    let mut out = Vec::new();
    for (expected, (i, p)) in pages.into_iter().enumerate() {
        assert_eq!(i, expected as u64, "pages come in order");
        out.extend(p.items);
    }
    Ok(out)
}

fn all(n: u64) -> Vec<u64> {
    (0..n).collect()
}

#[tokio::test]
async fn offset_pages_with_a_total_come_whole_and_in_order_concurrently() {
    for n in [0, 1, 99, 100, 101, 1050] {
        let s = Arc::new(Server::new(n, 100));
        assert_eq!(list(s.clone(), 8).await.unwrap(), all(n), "n = {n}");
        // Exactly one request per page: nothing speculative when the total is known.
        assert_eq!(
            s.requests.load(Ordering::SeqCst) as u64,
            n.div_ceil(100).max(1)
        );
    }
    let s = Arc::new(Server::new(2000, 100));
    list(s.clone(), 8).await.unwrap();
    let max = s.max_inflight.load(Ordering::SeqCst);
    assert!(max > 1 && max <= 8, "{max} in flight");
}

#[tokio::test]
async fn one_at_a_time_when_the_concurrency_is_one() {
    let s = Arc::new(Server::new(1000, 100));
    assert_eq!(list(s.clone(), 1).await.unwrap(), all(1000));
    assert_eq!(s.max_inflight.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn without_a_total_the_window_is_speculative_and_a_short_page_is_confirmed() {
    for n in [0, 5, 100, 250, 1000, 1050] {
        let mut server = Server::new(n, 100);
        server.with_total = false;
        let s = Arc::new(server);
        assert_eq!(list(s.clone(), 8).await.unwrap(), all(n), "n = {n}");
        let pages = n.div_ceil(100);
        let requests = s.requests.load(Ordering::SeqCst) as u64;
        assert!(
            requests > pages && requests <= pages + 9,
            "n = {n}: {requests} requests for {pages} pages"
        );
    }
}

#[tokio::test]
async fn a_short_page_is_read_again_then_an_error() {
    // Once: the second read is whole, so the listing is.
    let s = Arc::new(Server::new(1000, 100).fault(3, 1, Fault::Short));
    assert_eq!(list(s, 4).await.unwrap(), all(1000));
    // Twice: an error naming the page and the counts.
    let s = Arc::new(
        Server::new(1000, 100)
            .fault(3, 1, Fault::Short)
            .fault(3, 2, Fault::Short),
    );
    let err = list(s, 4).await.unwrap_err().0;
    assert!(
        err.contains("page 3 holds 50 items where 100 were expected"),
        "{err}"
    );
    // The last page too.
    let s = Arc::new(
        Server::new(1050, 100)
            .fault(10, 1, Fault::Short)
            .fault(10, 2, Fault::Short),
    );
    let err = list(s, 4).await.unwrap_err().0;
    assert!(err.contains("page 10 holds 25 items where 50"), "{err}");
}

#[tokio::test]
async fn a_short_page_without_a_total_is_caught_by_the_next_page() {
    let mut server = Server::new(1000, 100)
        .fault(4, 1, Fault::Short)
        .fault(4, 2, Fault::Short);
    server.with_total = false;
    let err = list(Arc::new(server), 4).await.unwrap_err().0;
    assert!(
        err.contains("page 4 is short") && err.contains("next page has 100 items"),
        "{err}"
    );
    let mut server = Server::new(1000, 100).fault(4, 1, Fault::Short);
    server.with_total = false;
    assert_eq!(list(Arc::new(server), 4).await.unwrap(), all(1000));
}

#[tokio::test]
async fn a_repeated_page_is_caught() {
    for with_total in [true, false] {
        let mut server =
            Server::new(1000, 100)
                .fault(5, 1, Fault::Duplicate)
                .fault(5, 2, Fault::Duplicate);
        server.with_total = with_total;
        let err = list(Arc::new(server), 4).await.unwrap_err().0;
        assert!(err.contains("page 5 repeats page 4"), "{err}");
        let mut server = Server::new(1000, 100).fault(5, 1, Fault::Duplicate);
        server.with_total = with_total;
        assert_eq!(list(Arc::new(server), 4).await.unwrap(), all(1000));
    }
}

#[tokio::test]
async fn numbered_pages_check_last_page_and_counts() {
    let numbered = |n| {
        let mut s = Server::new(n, 100);
        s.numbered = true;
        s
    };
    assert_eq!(list(Arc::new(numbered(950)), 4).await.unwrap(), all(950));
    // lastPage on page 2 of 10 without X-Page-Count, on both reads.
    let s = numbered(1000)
        .fault(2, 1, Fault::LastEarly)
        .fault(2, 2, Fault::LastEarly);
    let err = list(Arc::new(s), 4).await.unwrap_err().0;
    assert!(
        err.contains("page 2 says it is the last page, but X-Page-Count says 10"),
        "{err}"
    );
    // umapi-client.py #111: the first page says it is the last and there is no page count.
    let s = numbered(1000)
        .fault(0, 1, Fault::LastEarly)
        .fault(0, 2, Fault::LastEarly);
    let err = list(Arc::new(s), 4).await.unwrap_err().0;
    assert!(err.contains("900 missing"), "{err}");
    // A duplicated page with no identities to compare is still caught by the total.
    // (The last page of 50 served as page 8's 100 items.)
    let mut s = numbered(950)
        .fault(9, 1, Fault::Duplicate)
        .fault(9, 2, Fault::Duplicate);
    s.with_total = true;
    let server = Arc::new(s);
    let paging = Paging::new(
        "test listing",
        Addressing::Numbered {
            documented_size: 100,
        },
    );
    let srv = server.clone();
    let result: Result<Vec<_>, Fail> = pages(paging, move |i| {
        let srv = srv.clone();
        async move {
            let mut p = srv.fetch(i).await?;
            p.keys.clear();
            Ok(p)
        }
    })
    .try_collect()
    .await;
    let err = result.unwrap_err().0;
    assert!(err.contains("more than the server's total"), "{err}");
}

#[tokio::test]
async fn a_claimed_length_that_disagrees_is_suspect() {
    let paging = Paging::new(
        "test listing",
        Addressing::Numbered {
            documented_size: 10,
        },
    );
    let result: Result<Vec<_>, Fail> = pages(paging, |i| async move {
        let mut p = FetchedPage::new(vec![1u8; if i == 1 { 7 } else { 10 }]);
        p.claimed_len = Some(10);
        p.total_pages = Some(3);
        p.last = Some(i == 2);
        Ok(p)
    })
    .try_collect()
    .await;
    let err = result.unwrap_err().0;
    assert!(
        err.contains("page 1 holds 7 items but its X-Page-Size says 10"),
        "{err}"
    );
}

#[tokio::test]
async fn a_total_that_changes_is_reported_and_retried_once_when_collecting() {
    let s = Arc::new(Server::new(1000, 100).fault(6, 1, Fault::Grown));
    let err = list(s.clone(), 4).await.unwrap_err().0;
    assert!(err.contains("total changed from 1000 to 1001"), "{err}");
    // Collected again: the second run does not see the change.
    let s2 = s.clone();
    let items = retry_if_changed(
        move || list(s2.clone(), 4),
        |e: &Fail| e.0.contains("total changed"),
    )
    .await
    .unwrap();
    assert_eq!(items, all(1000));
}

#[tokio::test]
async fn the_window_backs_off_when_pages_need_retries() {
    let paging = Paging::new(
        "test listing",
        Addressing::Offset {
            start: 0,
            limit: 10,
        },
    )
    .concurrency(8);
    let inflight = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (inf, s) = (inflight.clone(), seen.clone());
    let _: Vec<_> = pages(paging, move |i| {
        let (inf, s) = (inf.clone(), s.clone());
        async move {
            let now = inf.fetch_add(1, Ordering::SeqCst) + 1;
            s.lock().unwrap().push(now);
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            inf.fetch_sub(1, Ordering::SeqCst);
            let mut p = FetchedPage::new(vec![0u8; 10]);
            p.total_items = Some(1000);
            // Every page from 20 on was throttled.
            p.retried = i >= 20;
            Result::<_, Fail>::Ok(p)
        }
    })
    .try_collect()
    .await
    .unwrap();
    let seen = seen.lock().unwrap();
    let early = *seen[..20].iter().max().unwrap();
    let late = *seen[60..].iter().max().unwrap();
    assert!(early >= 4, "{early} in flight before throttling");
    assert_eq!(late, 1, "one at a time once every page is throttled");
}

#[tokio::test]
async fn a_small_org_with_more_unlisted_accounts_than_users_is_complete() {
    // One page of 2 users; the total also counts 5 technical accounts, never listed.
    let one_page = |max_unlisted: Option<u64>| {
        let paging = Paging::new(
            "users",
            Addressing::Numbered {
                documented_size: 2000,
            },
        )
        .max_unlisted(max_unlisted);
        pages(paging, |_| async {
            let mut p = FetchedPage::new(vec![1u8, 2]);
            p.total_items = Some(7);
            p.total_pages = Some(1);
            p.last = Some(true);
            Result::<_, Fail>::Ok(p)
        })
        .try_collect::<Vec<_>>()
    };
    assert_eq!(one_page(None).await.unwrap().len(), 1);
    // The caller's own allowance decides when given.
    let err = one_page(Some(0)).await.unwrap_err().0;
    assert!(err.contains("5 missing, at most 0"), "{err}");
}
