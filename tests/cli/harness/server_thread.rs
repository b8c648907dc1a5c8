//! Runs an axum router on 127.0.0.1:0 on its own thread and tokio runtime, so that blocking tests and
//! `#[tokio::test]` tests can both use it; dropping the handle stops the server and every connection.

use std::future::IntoFuture;
use std::net::{SocketAddr, TcpListener};
use std::thread::JoinHandle;

use axum::Router;
use tokio::sync::oneshot;

/// A running server; stopped (listener, open connections and WebSocket sessions) on drop.
pub(crate) struct ServerThread {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ServerThread {
    /// Binds 127.0.0.1:0 now (so the address is known on return) and serves `router` on a new thread.
    pub(crate) fn spawn(name: &str, router: Router) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .unwrap_or_else(|e| panic!("{name}: cannot bind 127.0.0.1:0: {e}"));
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let addr = listener.local_addr().expect("the listener has an address");
        let (shutdown, stop) = oneshot::channel::<()>();
        let label = name.to_string();
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime for the server thread");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .expect("a tokio listener from the std one");
                    tokio::select! {
                        result = axum::serve(listener, router).into_future() => {
                            if let Err(error) = result {
                                eprintln!("{label}: server stopped: {error}");
                            }
                        }
                        _ = stop => {}
                    }
                });
                // Spawned tasks (connections, WebSocket sessions, bridges) are dropped here.
                runtime.shutdown_background();
            })
            .expect("spawn the server thread");
        Self {
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// The bound loopback address.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
