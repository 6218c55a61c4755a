//! The WebSocket API's routes: `$connect` (ticket check), `$disconnect`
//! (cleanup) and every client message (`$default` and the named actions).
//! Answers go back through the @connections API, so they work the same for
//! every route.

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::encodings::Body;
use jiff::Timestamp;
use switchboard_domain::accounts::ports::SessionStore;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::realtime::ports::{ConnectionStore, Pusher};
use switchboard_domain::realtime::service::Live;
use switchboard_domain::tickets::ports::TicketStore;
use tracing::{info, warn};

fn response(status: i64, body: &str) -> ApiGatewayProxyResponse {
    let mut r = ApiGatewayProxyResponse::default();
    r.status_code = status;
    r.body = Some(Body::Text(body.to_owned()));
    r
}

fn connection_id(request: &ApiGatewayWebsocketProxyRequest) -> &str {
    request
        .request_context
        .connection_id
        .as_deref()
        .unwrap_or_default()
}

/// `$connect`: only with an unused, unexpired `?ticket=`; anything else is
/// refused with 401 before the socket opens.
pub async fn connect<S: TicketStore + ConnectionStore + SessionStore, P: Pusher>(
    live: &Live<S, P>,
    request: ApiGatewayWebsocketProxyRequest,
) -> StoreResult<ApiGatewayProxyResponse> {
    let id = connection_id(&request);
    let ticket = request.query_string_parameters.first("ticket");
    match live.connect(ticket, id, Timestamp::now()).await? {
        Ok(c) => {
            info!(connection_id = id, tenant_id = %c.listener.tenant_id, user_id = %c.listener.user_id, "connected");
            Ok(response(200, "connected"))
        }
        Err(refusal) => {
            info!(
                connection_id = id,
                code = refusal.code,
                "connection refused"
            );
            Ok(response(401, &refusal.message))
        }
    }
}

/// `$disconnect`: forgets the connection and its subscriptions.
pub async fn disconnect<S: TicketStore + ConnectionStore + SessionStore, P: Pusher>(
    live: &Live<S, P>,
    request: ApiGatewayWebsocketProxyRequest,
) -> StoreResult<ApiGatewayProxyResponse> {
    let id = connection_id(&request);
    live.disconnect(id).await?;
    info!(connection_id = id, "disconnected");
    Ok(response(200, "bye"))
}

/// Any client message: answered (or refused) on the socket.
pub async fn message<S: TicketStore + ConnectionStore + SessionStore, P: Pusher>(
    live: &Live<S, P>,
    request: ApiGatewayWebsocketProxyRequest,
) -> StoreResult<ApiGatewayProxyResponse> {
    let id = connection_id(&request);
    let body = request.body.as_deref().unwrap_or_default();
    if let Err(e) = live.receive(id, body, Timestamp::now()).await {
        warn!(connection_id = id, error = %e, "message failed");
        return Err(e);
    }
    Ok(response(200, "ok"))
}

/// Runs one of the routes above as a Lambda function.
pub async fn run<F, Fut>(route: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(ApiGatewayWebsocketProxyRequest) -> Fut,
    Fut: Future<Output = StoreResult<ApiGatewayProxyResponse>>,
{
    lambda_runtime::run(lambda_runtime::service_fn(
        |event: lambda_runtime::LambdaEvent<ApiGatewayWebsocketProxyRequest>| {
            // Boxed: keeps the runtime's future type shallow.
            let fut = Box::pin(route(event.payload));
            async move { fut.await.map_err(lambda_runtime::Error::from) }
        },
    ))
    .await
}
