//! Creates the template's stateful resources in the local AWS emulator and
//! reports what each resolves to (`Ref`, `GetAtt`), like CloudFormation.

use std::collections::HashMap;

use anyhow::{Context as _, anyhow};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use aws_sdk_sesv2::error::ProvideErrorMetadata as _;
use serde_json::Value;

use crate::model::{self, FUNCTION, HTTP_API};
use crate::template::{Context, Physical, Template, scalar_string};

pub const TABLE: &str = "AWS::DynamoDB::Table";
pub const QUEUE: &str = "AWS::SQS::Queue";
pub const BUCKET: &str = "AWS::S3::Bucket";
pub const WEBSOCKET_API: &str = "AWS::ApiGatewayV2::Api";
pub const STAGE: &str = "AWS::ApiGatewayV2::Stage";
pub const EMAIL_IDENTITY: &str = "AWS::SES::EmailIdentity";
pub const CONFIGURATION_SET: &str = "AWS::SES::ConfigurationSet";

/// SDK clients pointed at the emulator.
#[derive(Clone)]
pub struct Cloud {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub streams: aws_sdk_dynamodbstreams::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub s3: aws_sdk_s3::Client,
    pub ses: aws_sdk_sesv2::Client,
    pub region: String,
    pub account: String,
}

impl Cloud {
    pub async fn connect(endpoint: &str, region: &str) -> Self {
        // devstack signs with its own access key, so that the emulator's
        // request counts tell what it does in Lambda's place (polling queues
        // and streams) from what the functions do.
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(aws_config::Region::new(region.to_owned()))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "devstack", "test", None, None, "devstack",
            ))
            .load()
            .await;
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            streams: aws_sdk_dynamodbstreams::Client::new(&config),
            sqs: aws_sdk_sqs::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&config)
                    .force_path_style(true)
                    .build(),
            ),
            ses: aws_sdk_sesv2::Client::new(&config),
            region: region.to_owned(),
            account: "000000000000".to_owned(),
        }
    }
}

/// Creates every table (and later queues and buckets) that does not exist
/// yet, and returns the context that resolves references to them.
pub async fn provision(
    cloud: &Cloud,
    template: &Template,
    parameters: HashMap<String, Value>,
    stack: &str,
) -> anyhow::Result<Context> {
    let mut ctx = Context {
        parameters,
        resources: HashMap::new(),
        region: cloud.region.clone(),
        account: cloud.account.clone(),
        stack: stack.to_owned(),
    };
    for (id, resource) in template.resources_of(TABLE) {
        let props = ctx.resolve(resource.get("Properties").unwrap_or(&Value::Null))?;
        let physical = create_table(cloud, stack, id, &props)
            .await
            .with_context(|| format!("creating table {id}"))?;
        ctx.resources.insert(id.to_owned(), physical);
    }
    provision_queues(cloud, template, &mut ctx).await?;
    for (id, resource) in template.resources_of(BUCKET) {
        let name = resource
            .pointer("/Properties/BucketName")
            .map(|v| ctx.resolve(v))
            .transpose()?
            .map(|v| scalar_string(&v))
            .unwrap_or_else(|| format!("{stack}-{id}").to_lowercase());
        let exists = cloud.s3.head_bucket().bucket(&name).send().await.is_ok();
        if !exists {
            cloud
                .s3
                .create_bucket()
                .bucket(&name)
                .send()
                .await
                .with_context(|| format!("creating bucket {id}"))?;
        }
        ctx.resources.insert(
            id.to_owned(),
            Physical {
                reference: Value::String(name.clone()),
                attributes: HashMap::from([
                    (
                        "Arn".to_owned(),
                        Value::String(format!("arn:aws:s3:::{name}")),
                    ),
                    (
                        "DomainName".to_owned(),
                        Value::String(format!("{name}.s3.amazonaws.com")),
                    ),
                ]),
            },
        );
    }
    provision_mail(cloud, template, &mut ctx).await?;
    for (id, _) in template.resources_of(WEBSOCKET_API) {
        // The API id devstack answers to; functions' callback URLs name it.
        ctx.resources.insert(
            id.to_owned(),
            Physical {
                reference: Value::String(id.to_lowercase()),
                attributes: HashMap::new(),
            },
        );
    }
    for (id, _) in template.resources_of(HTTP_API) {
        ctx.resources.insert(
            id.to_owned(),
            Physical {
                reference: Value::String("devstack".into()),
                attributes: HashMap::new(),
            },
        );
    }
    for (id, _) in template.resources_of(FUNCTION) {
        let name = model::function_name(stack, id);
        let arn = format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            cloud.region, cloud.account
        );
        ctx.resources.insert(
            id.to_owned(),
            Physical {
                reference: Value::String(name),
                attributes: HashMap::from([("Arn".to_owned(), Value::String(arn))]),
            },
        );
    }
    // Everything else (routes, integrations, permissions, deployments) has
    // no local state: a reference to it is its logical id.
    let rest: Vec<(String, String)> = template
        .resources()
        .filter(|(id, _, _)| !ctx.resources.contains_key(*id))
        .map(|(id, kind, _)| (id.to_owned(), kind.to_owned()))
        .collect();
    for (id, kind) in rest {
        let reference = if kind == STAGE {
            let name = template
                .doc
                .pointer(&format!("/Resources/{id}/Properties/StageName"))
                .cloned()
                .unwrap_or(Value::String(id.clone()));
            ctx.resolve(&name)?
        } else {
            Value::String(id.clone())
        };
        ctx.resources.insert(
            id,
            Physical {
                reference,
                attributes: HashMap::new(),
            },
        );
    }
    Ok(ctx)
}

/// Creates the sending configuration sets and identities (moto accepts an
/// identity as verified at once), so the functions can send as in AWS.
async fn provision_mail(
    cloud: &Cloud,
    template: &Template,
    ctx: &mut Context,
) -> anyhow::Result<()> {
    for (id, resource) in template.resources_of(CONFIGURATION_SET) {
        let name = resource
            .pointer("/Properties/Name")
            .map(|v| ctx.resolve(v))
            .transpose()?
            .map(|v| scalar_string(&v))
            .unwrap_or_else(|| format!("{}-{id}", ctx.stack));
        // moto cannot read a configuration set back: create, and accept
        // that it exists.
        let created = cloud
            .ses
            .create_configuration_set()
            .configuration_set_name(&name)
            .send()
            .await;
        if let Err(e) = created
            && e.as_service_error().and_then(|s| s.code())
                != Some("ConfigurationSetAlreadyExistsException")
        {
            return Err(anyhow!(aws_sdk_sesv2::error::DisplayErrorContext(e)))
                .with_context(|| format!("creating configuration set {id}"));
        }
        ctx.resources.insert(
            id.to_owned(),
            Physical {
                reference: Value::String(name),
                attributes: HashMap::new(),
            },
        );
    }
    for (id, resource) in template.resources_of(EMAIL_IDENTITY) {
        let identity = resource
            .pointer("/Properties/EmailIdentity")
            .map(|v| ctx.resolve(v))
            .transpose()?
            .map(|v| scalar_string(&v))
            .ok_or_else(|| anyhow!("{id} names no EmailIdentity"))?;
        let created = cloud
            .ses
            .create_email_identity()
            .email_identity(&identity)
            .send()
            .await;
        if let Err(e) = created
            && e.as_service_error().and_then(|s| s.code()) != Some("AlreadyExistsException")
        {
            return Err(anyhow!(aws_sdk_sesv2::error::DisplayErrorContext(e)))
                .with_context(|| format!("creating email identity {id}"));
        }
        ctx.resources.insert(
            id.to_owned(),
            Physical {
                reference: Value::String(identity),
                attributes: HashMap::new(),
            },
        );
    }
    Ok(())
}

/// Creates the queues, dead-letter queues first (a redrive policy names
/// its target by ARN).
async fn provision_queues(
    cloud: &Cloud,
    template: &Template,
    ctx: &mut Context,
) -> anyhow::Result<()> {
    let mut pending: Vec<(&str, &Value)> = template.resources_of(QUEUE).collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut later = Vec::new();
        for (id, resource) in pending {
            let Ok(props) = ctx.resolve(resource.get("Properties").unwrap_or(&Value::Null)) else {
                later.push((id, resource));
                continue;
            };
            let physical = create_queue(cloud, &ctx.stack, id, &props)
                .await
                .with_context(|| format!("creating queue {id}"))?;
            ctx.resources.insert(id.to_owned(), physical);
        }
        if later.len() == before {
            let ids: Vec<_> = later.iter().map(|(id, _)| *id).collect();
            anyhow::bail!("queues with unresolvable properties: {}", ids.join(", "));
        }
        pending = later;
    }
    Ok(())
}

async fn create_queue(
    cloud: &Cloud,
    stack: &str,
    id: &str,
    props: &Value,
) -> anyhow::Result<Physical> {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let name = props
        .get("QueueName")
        .map(scalar_string)
        .unwrap_or_else(|| format!("{stack}-{id}"));
    let mut req = cloud.sqs.create_queue().queue_name(&name);
    for (prop, attr) in [
        ("VisibilityTimeout", A::VisibilityTimeout),
        ("MessageRetentionPeriod", A::MessageRetentionPeriod),
        ("DelaySeconds", A::DelaySeconds),
        (
            "ReceiveMessageWaitTimeSeconds",
            A::ReceiveMessageWaitTimeSeconds,
        ),
    ] {
        if let Some(v) = props.get(prop) {
            req = req.attributes(attr, scalar_string(v));
        }
    }
    if let Some(redrive) = props.get("RedrivePolicy") {
        req = req.attributes(A::RedrivePolicy, serde_json::to_string(redrive)?);
    }
    let url = req
        .send()
        .await?
        .queue_url
        .ok_or_else(|| anyhow!("no queue URL for {name}"))?;
    let arn = cloud
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(A::QueueArn)
        .send()
        .await?
        .attributes
        .and_then(|mut a| a.remove(&A::QueueArn))
        .ok_or_else(|| anyhow!("no ARN for queue {name}"))?;
    Ok(Physical {
        reference: Value::String(url.clone()),
        attributes: HashMap::from([
            ("Arn".to_owned(), Value::String(arn)),
            ("QueueName".to_owned(), Value::String(name)),
            ("QueueUrl".to_owned(), Value::String(url)),
        ]),
    })
}

async fn create_table(
    cloud: &Cloud,
    stack: &str,
    id: &str,
    props: &Value,
) -> anyhow::Result<Physical> {
    let name = props
        .get("TableName")
        .map(scalar_string)
        .unwrap_or_else(|| format!("{stack}-{id}"));
    let ddb = &cloud.dynamodb;
    let exists = ddb.describe_table().table_name(&name).send().await.is_ok();
    if !exists {
        let mut req = ddb
            .create_table()
            .table_name(&name)
            .set_attribute_definitions(Some(attribute_definitions(props)?))
            .set_key_schema(Some(key_schema(props.get("KeySchema"))?))
            .billing_mode(BillingMode::PayPerRequest);
        for gsi in props
            .get("GlobalSecondaryIndexes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let projection = gsi
                .pointer("/Projection/ProjectionType")
                .map(scalar_string)
                .unwrap_or_else(|| "ALL".into());
            req = req.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(gsi.get("IndexName").map(scalar_string).unwrap_or_default())
                    .set_key_schema(Some(key_schema(gsi.get("KeySchema"))?))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::from(projection.as_str()))
                            .set_non_key_attributes(
                                gsi.pointer("/Projection/NonKeyAttributes")
                                    .and_then(Value::as_array)
                                    .map(|a| a.iter().map(scalar_string).collect()),
                            )
                            .build(),
                    )
                    .build()?,
            );
        }
        if let Some(view) = props.pointer("/StreamSpecification/StreamViewType") {
            req = req.stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::from(scalar_string(view).as_str()))
                    .build()?,
            );
        }
        req.send().await?;
        if let Some(ttl) = props.get("TimeToLiveSpecification")
            && ttl.get("Enabled").and_then(Value::as_bool).unwrap_or(false)
        {
            ddb.update_time_to_live()
                .table_name(&name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(
                            ttl.get("AttributeName")
                                .map(scalar_string)
                                .unwrap_or_default(),
                        )
                        .enabled(true)
                        .build()?,
                )
                .send()
                .await?;
        }
    }
    let described = ddb.describe_table().table_name(&name).send().await?;
    let table = described
        .table
        .ok_or_else(|| anyhow!("table {name} vanished"))?;
    let mut attributes = HashMap::new();
    if let Some(arn) = table.table_arn {
        attributes.insert("Arn".to_owned(), Value::String(arn));
    }
    if let Some(stream) = table.latest_stream_arn {
        attributes.insert("StreamArn".to_owned(), Value::String(stream));
    }
    Ok(Physical {
        reference: Value::String(name),
        attributes,
    })
}

fn attribute_definitions(props: &Value) -> anyhow::Result<Vec<AttributeDefinition>> {
    props
        .get("AttributeDefinitions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|a| {
            Ok(AttributeDefinition::builder()
                .attribute_name(
                    a.get("AttributeName")
                        .map(scalar_string)
                        .unwrap_or_default(),
                )
                .attribute_type(ScalarAttributeType::from(
                    a.get("AttributeType")
                        .map(scalar_string)
                        .unwrap_or_default()
                        .as_str(),
                ))
                .build()?)
        })
        .collect()
}

fn key_schema(schema: Option<&Value>) -> anyhow::Result<Vec<KeySchemaElement>> {
    schema
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|k| {
            Ok(KeySchemaElement::builder()
                .attribute_name(
                    k.get("AttributeName")
                        .map(scalar_string)
                        .unwrap_or_default(),
                )
                .key_type(KeyType::from(
                    k.get("KeyType")
                        .map(scalar_string)
                        .unwrap_or_default()
                        .as_str(),
                ))
                .build()?)
        })
        .collect()
}
