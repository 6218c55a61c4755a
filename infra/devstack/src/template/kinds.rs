//! The resource types devstack knows, by their CloudFormation names.

pub const FUNCTION: &str = "AWS::Serverless::Function";
pub const HTTP_API: &str = "AWS::Serverless::HttpApi";
pub const TABLE: &str = "AWS::DynamoDB::Table";
pub const QUEUE: &str = "AWS::SQS::Queue";
pub const BUCKET: &str = "AWS::S3::Bucket";
pub const WEBSOCKET_API: &str = "AWS::ApiGatewayV2::Api";
pub const STAGE: &str = "AWS::ApiGatewayV2::Stage";
pub const ROUTE: &str = "AWS::ApiGatewayV2::Route";
pub const EMAIL_IDENTITY: &str = "AWS::SES::EmailIdentity";
pub const CONFIGURATION_SET: &str = "AWS::SES::ConfigurationSet";
pub const RECEIPT_RULE: &str = "AWS::SES::ReceiptRule";
