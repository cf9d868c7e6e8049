//! What one client may hold of the portal at once, and for how long: the request-level half
//! of availability (SECURITY.md, "Availability").
//!
//! - **A deadline for every request.** Headers must arrive within
//!   `limits.header_timeout_seconds` (actix's client request timeout); the body within
//!   `limits.request_timeout_seconds` plus the time it needs at
//!   `limits.min_body_bytes_per_second`, counted on what has arrived. A body that trickles
//!   (one byte every few seconds) is cut at the deadline with 408 and the connection closed,
//!   while a large upload over a slow but steady phone link keeps going.
//! - **A cap per client on requests in progress** (`limits.connections_per_client`): a
//!   connection holds the portal only while a request is in progress on it (idle ones are
//!   closed by the keep-alive and header timeouts), so this caps what one host can hold
//!   however many connections it opens. Past it, 429 at once, and the connection closed.
//!   The client is who `web::client` says (behind a trusted proxy, the forwarded address).
//!
//! The counts are kept under keyed hashes in memory (`web::limits`): no address is stored.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONNECTION, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, HttpResponse, web};
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

use super::AppState;
use super::error::Problem;

/// Requests in progress per client (by keyed hash).
#[derive(Default)]
pub struct InFlight {
    counts: Mutex<HashMap<u64, usize>>,
}

/// A request's place in its client's count, given back when the request ends.
pub struct Place {
    owner: Arc<InFlight>,
    key: u64,
}

impl InFlight {
    /// A place for one more request of `key`, unless it holds `cap` already.
    pub fn enter(self: &Arc<Self>, key: u64, cap: usize) -> Option<Place> {
        let mut counts = self.counts.lock().ok()?;
        let count = counts.entry(key).or_insert(0);
        if *count >= cap {
            return None;
        }
        *count += 1;
        Some(Place { owner: self.clone(), key })
    }

    /// Clients with a request in progress now.
    pub fn clients(&self) -> usize {
        self.counts.lock().map_or(0, |c| c.len())
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Ok(mut counts) = self.owner.counts.lock()
            && let Some(count) = counts.get_mut(&self.key)
        {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

/// A request body that must keep arriving: it fails with `TimedOut` once
/// `base + received / rate` has passed since the request began.
struct Deadline<S> {
    inner: S,
    started: Instant,
    base: Duration,
    bytes_per_second: u64,
    received: u64,
    sleep: Pin<Box<Sleep>>,
    fired: Arc<AtomicBool>,
    done: bool,
}

impl<S> Deadline<S> {
    fn due(&self) -> Instant {
        let allowance = Duration::from_secs(self.received / self.bytes_per_second.max(1));
        self.started + self.base.saturating_add(allowance)
    }
}

impl<S: Stream<Item = Result<Bytes, PayloadError>> + Unpin> Stream for Deadline<S> {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                self.received = self.received.saturating_add(chunk.len() as u64);
                let due = self.due();
                self.sleep.as_mut().reset(due);
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(other) => {
                self.done = other.is_none();
                Poll::Ready(other)
            }
            Poll::Pending => match self.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    self.done = true;
                    self.fired.store(true, Ordering::Release);
                    let late = std::io::Error::new(std::io::ErrorKind::TimedOut, "the request body came too slowly");
                    Poll::Ready(Some(Err(PayloadError::Io(late))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

fn answer(req: &actix_web::HttpRequest, problem: &Problem) -> HttpResponse {
    let mut response = super::error::response_for(req, problem);
    response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

fn too_many() -> Problem {
    Problem::retry_later("too_many_connections", "request-limits-too-many-requests-from-you", 5)
}

fn too_slow() -> Problem {
    Problem::new(StatusCode::REQUEST_TIMEOUT, "too_slow", "request-limits-what-sent-came-too-slowly")
}

/// The middleware: a place in the client's count, and a deadline on the body.
pub async fn limit_requests(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(|res| res.map_into_boxed_body().map_into_left_body());
    };
    let limits = &state.settings.limits;
    let client = super::client::of_request(req.request(), &state.settings.trusted_proxies);
    let key = state.limiters.client_hash(client);
    let Some(place) = state.in_flight.enter(key, limits.connections_per_client.get() as usize) else {
        let response = answer(req.request(), &too_many());
        return Ok(req.into_response(response).map_into_right_body());
    };
    let fired = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let base = Duration::from_secs(u64::from(limits.request_timeout_seconds.get()));
    let deadline = Deadline {
        inner: req.take_payload(),
        started,
        base,
        bytes_per_second: u64::from(limits.min_body_bytes_per_second.get()),
        received: 0,
        sleep: Box::pin(tokio::time::sleep_until(started + base)),
        fired: fired.clone(),
        done: false,
    };
    req.set_payload(Payload::Stream { payload: Box::pin(deadline) });
    let result = next.call(req).await;
    drop(place);
    let res = result?;
    if fired.load(Ordering::Acquire) {
        let response = answer(res.request(), &too_slow());
        let (req, _) = res.into_parts();
        return Ok(ServiceResponse::new(req, response).map_into_right_body());
    }
    Ok(res.map_into_boxed_body().map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_holds_at_most_its_cap_and_gets_places_back() {
        let in_flight = Arc::new(InFlight::default());
        let first = in_flight.enter(1, 2).unwrap();
        let _second = in_flight.enter(1, 2).unwrap();
        assert!(in_flight.enter(1, 2).is_none());
        assert!(in_flight.enter(2, 2).is_some(), "another client is not held up");
        drop(first);
        assert!(in_flight.enter(1, 2).is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn a_trickling_body_is_cut_and_a_steady_one_is_not() {
        use futures_util::StreamExt;
        let make = |chunks: Vec<(u64, usize)>| {
            futures_util::stream::iter(chunks).then(|(wait_ms, len)| async move {
                tokio::time::sleep(Duration::from_millis(wait_ms)).await;
                Ok::<_, PayloadError>(Bytes::from(vec![0u8; len]))
            })
        };
        let deadline = |inner| Deadline {
            inner: Box::pin(inner),
            started: Instant::now(),
            base: Duration::from_secs(30),
            bytes_per_second: 1000,
            received: 0,
            sleep: Box::pin(tokio::time::sleep(Duration::from_secs(30))),
            fired: Arc::new(AtomicBool::new(false)),
            done: false,
        };
        // One byte every 15 s: cut after about 30 s, on the third wait.
        let trickle = deadline(make(vec![(15_000, 1); 100]));
        let results: Vec<_> = trickle.collect().await;
        assert!(results.len() <= 3, "{}", results.len());
        assert!(matches!(results.last(), Some(Err(PayloadError::Io(_)))));
        // 1000 bytes a second for 60 s: within its allowance throughout.
        let steady = deadline(make(vec![(1_000, 1000); 60]));
        let results: Vec<_> = steady.collect().await;
        assert_eq!(results.len(), 60);
        assert!(results.iter().all(Result::is_ok));
    }
}
