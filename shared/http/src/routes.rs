//! A function's routes as data as well as a router, so that the route check
//! can compare what each function serves with what template.yaml sends it.

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};
use http::Method;

pub struct Routes<S> {
    declared: Vec<(Method, &'static str)>,
    router: Router<S>,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn new() -> Self {
        Self {
            declared: Vec::new(),
            router: Router::new(),
        }
    }

    /// Serves `method path` with `handler`. `path` uses the template's
    /// `{param}` syntax, which is also axum's.
    pub fn add<H, T>(mut self, method: Method, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET);
        self.router = self.router.route(path, on(filter, handler));
        self.declared.push((method, path));
        self
    }

    /// Lets the routes added so far take JSON bodies of up to `bytes`
    /// (the shared limit otherwise): e.g. an article's Markdown, whose own
    /// limit the domain checks and names by field.
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.router = self
            .router
            .layer(axum::extract::DefaultBodyLimit::max(bytes));
        self
    }

    /// Every (method, path) this function serves.
    pub fn declared(&self) -> &[(Method, &'static str)] {
        &self.declared
    }

    /// The router with the shared conventions applied.
    pub fn into_router(self, state: S) -> Router {
        crate::layers::apply(self.router).with_state(state)
    }
}
