//! [`Pusher`] on API Gateway's @connections API.

use aws_sdk_apigatewaymanagement::Client;
use aws_sdk_apigatewaymanagement::error::SdkError;
use aws_sdk_apigatewaymanagement::operation::delete_connection::DeleteConnectionError;
use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::realtime::ports::{PushResult, Pusher};

use crate::store::sdk_error;

#[derive(Clone)]
pub struct ConnectionsApi {
    client: Client,
}

impl ConnectionsApi {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

impl Pusher for ConnectionsApi {
    async fn push(&self, connection_id: &str, message: &[u8]) -> StoreResult<PushResult> {
        let sent = self
            .client
            .post_to_connection()
            .connection_id(connection_id)
            .data(Blob::new(message))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(PushResult::Delivered),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), PostToConnectionError::GoneException(_)) =>
            {
                Ok(PushResult::Gone)
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    async fn close(&self, connection_id: &str) -> StoreResult<()> {
        let closed = self
            .client
            .delete_connection()
            .connection_id(connection_id)
            .send()
            .await;
        match closed {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), DeleteConnectionError::GoneException(_)) =>
            {
                Ok(())
            }
            Err(e) => Err(sdk_error(e)),
        }
    }
}
