//! The accept loop: HTTP/1.1 connections served by hyper under the wire limits (connection
//! cap, header size, header and idle timeouts), and a graceful stop that lets in-flight
//! requests finish.
//!
//! Each connection has an `Activity` shared by its socket (which notes when bytes arrive), its
//! service (which notes when a request starts and ends) and a watchdog that closes it when
//! a request's headers take longer than the header timeout, or when no request has been in
//! flight and nothing has arrived for the idle timeout.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower_service::Service;

use super::encode::Format;
use super::limits::WireLimits;
use crate::errors::{ApiError, Code};

/// How many connections beyond the cap may be answered at once; past that they are closed
/// without an answer, so a flood cannot pile up tasks.
const REFUSALS_AT_ONCE: usize = 64;

/// Serves `router` on `listener` until `stop` resolves, then stops accepting and waits for
/// every connection to finish its request in flight.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: WireLimits,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    let limits = Arc::new(limits);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let refusals = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        match Arc::clone(&slots).try_acquire_owned() {
            Ok(slot) => {
                let (connection, watchdog) =
                    serve_connection(stream, router.clone(), Arc::clone(&limits));
                let watched = graceful.watch(connection);
                tokio::spawn(async move {
                    tokio::select! {
                        served = watched => {
                            if let Err(e) = served {
                                tracing::debug!(error = %e, "connection ended with an error");
                            }
                        }
                        () = watchdog => {}
                    }
                    drop(slot);
                });
            }
            Err(_) => match Arc::clone(&refusals).try_acquire_owned() {
                Ok(refusal) => {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "connection cap reached: refusing a connection"
                    );
                    let header_timeout = limits.header_timeout;
                    tokio::spawn(async move {
                        refuse_connection(stream, header_timeout).await;
                        drop(refusal);
                    });
                }
                Err(_) => drop(stream),
            },
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// What a connection's socket, service and watchdog share. Times are milliseconds since the
/// connection was accepted.
struct Activity {
    opened: Instant,
    in_flight: AtomicUsize,
    /// When the last request ended, or bytes last arrived (the idle timer's start).
    last_ms: AtomicU64,
    /// When the first bytes of a request arrived while none was in flight, plus one; zero
    /// when no request is being received.
    head_started_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Activity {
            opened: Instant::now(),
            in_flight: AtomicUsize::new(0),
            last_ms: AtomicU64::new(0),
            head_started_ms: AtomicU64::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn bytes_arrived(&self) {
        let now = self.now_ms();
        self.last_ms.store(now, Ordering::Relaxed);
        if self.in_flight.load(Ordering::Acquire) == 0 {
            let _ = self.head_started_ms.compare_exchange(
                0,
                now + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            );
        }
    }

    fn request_started(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_started_ms.store(0, Ordering::Release);
        InFlight(Arc::clone(self))
    }

    /// Why the connection should be closed now, if it should.
    fn expired(&self, limits: &WireLimits) -> Option<&'static str> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let now = self.now_ms();
        let head_started = self.head_started_ms.load(Ordering::Acquire);
        if head_started > 0 {
            let waited = now.saturating_sub(head_started - 1);
            return (u128::from(waited) > limits.header_timeout.as_millis())
                .then_some("the request headers did not arrive within the header timeout");
        }
        let idle = now.saturating_sub(self.last_ms.load(Ordering::Relaxed));
        (u128::from(idle) > limits.idle_timeout.as_millis())
            .then_some("the connection was idle for the idle timeout")
    }
}

/// A request in flight on a connection; ends when dropped (answered, or abandoned by a
/// client that went away).
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let now = self.0.now_ms();
        self.0.last_ms.store(now, Ordering::Relaxed);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The socket, noting every arrival of bytes.
struct WatchedStream {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for WatchedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.bytes_arrived();
        }
        polled
    }
}

impl AsyncWrite for WatchedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The router, counting its requests in flight on one connection.
#[derive(Clone)]
struct Tracked {
    router: Router,
    activity: Arc<Activity>,
}

impl hyper::service::Service<hyper::Request<Incoming>> for Tracked {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn call(&self, request: hyper::Request<Incoming>) -> Self::Future {
        let in_flight = self.activity.request_started();
        let mut router = self.router.clone();
        Box::pin(async move {
            let response = router.call(request.map(Body::new)).await;
            drop(in_flight);
            response
        })
    }
}

/// The HTTP/1 settings every served connection gets.
fn http1(limits: &WireLimits) -> hyper::server::conn::http1::Builder {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .keep_alive(true)
        .max_buf_size(limits.max_header_bytes);
    builder
}

type Http1Connection = hyper::server::conn::http1::Connection<TokioIo<WatchedStream>, Tracked>;

/// One connection under the cap, and its watchdog: the connection is served until the client
/// closes it, the watchdog resolves (dropping the connection closes the socket; it resolves
/// only with no request in flight), or a graceful stop has let its request in flight finish.
fn serve_connection(
    stream: TcpStream,
    router: Router,
    limits: Arc<WireLimits>,
) -> (Http1Connection, impl Future<Output = ()>) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(WatchedStream {
        inner: stream,
        activity: Arc::clone(&activity),
    });
    let service = Tracked {
        router,
        activity: Arc::clone(&activity),
    };
    let connection = http1(&limits).serve_connection(io, service);
    (connection, watchdog(activity, limits))
}

/// Resolves when the connection should be closed for a timeout.
async fn watchdog(activity: Arc<Activity>, limits: Arc<WireLimits>) {
    let tick = (limits.header_timeout.min(limits.idle_timeout) / 10)
        .clamp(Duration::from_millis(10), Duration::from_secs(1));
    loop {
        tokio::time::sleep(tick).await;
        if let Some(reason) = activity.expired(&limits) {
            tracing::debug!(reason, "closing a connection");
            return;
        }
    }
}

/// A connection beyond the cap: its request is read (within the header timeout) and
/// answered `ServiceUnavailable`, then the connection is closed.
async fn refuse_connection(stream: TcpStream, header_timeout: Duration) {
    let service = hyper::service::service_fn(|request: hyper::Request<Incoming>| async move {
        let format = Format::from_param(query_format(request.uri().query()).as_deref());
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("ecs.aliyuncs.com")
            .to_string();
        let mut response = super::server::error_response(
            &ApiError::of(Code::ServiceUnavailableBusy),
            format,
            &host,
        );
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        Ok::<_, Infallible>(response)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .keep_alive(false)
        .header_read_timeout(header_timeout);
    let _ = builder
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

fn query_format(query: Option<&str>) -> Option<String> {
    super::sign::decode_pairs(query.unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k == "Format")
        .map(|(_, v)| v)
}
