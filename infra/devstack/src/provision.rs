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

use crate::cloud::Cloud;
use crate::template::kinds::{FUNCTION, HTTP_API, QUEUE, STAGE, WEBSOCKET_API};
use crate::template::{self, Context, Key, Physical, Queue, Table, Template};

/// Creates every table, queue, bucket and mail resource that does not exist
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
    for table in template::tables(template, &ctx)? {
        let physical = create_table(cloud, &table)
            .await
            .with_context(|| format!("creating table {}", table.logical_id))?;
        ctx.resources.insert(table.logical_id, physical);
    }
    provision_queues(cloud, template, &mut ctx).await?;
    for bucket in template::buckets(template, &ctx)? {
        let name = bucket.name;
        let exists = cloud.s3.head_bucket().bucket(&name).send().await.is_ok();
        if !exists {
            cloud
                .s3
                .create_bucket()
                .bucket(&name)
                .send()
                .await
                .with_context(|| format!("creating bucket {}", bucket.logical_id))?;
        }
        ctx.resources.insert(
            bucket.logical_id,
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
        let name = template::function_name(stack, id);
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
    for (id, name) in template::configuration_sets(template, ctx)? {
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
            id,
            Physical {
                reference: Value::String(name),
                attributes: HashMap::new(),
            },
        );
    }
    for (id, identity) in template::email_identities(template, ctx)? {
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
            id,
            Physical {
                reference: Value::String(identity),
                attributes: HashMap::new(),
            },
        );
    }
    Ok(())
}

/// Creates the queues, dead-letter queues first (a redrive policy names
/// its target by ARN, so it resolves only once that queue exists).
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
            let queue = Queue::of_properties(&ctx.stack, id, &props);
            let physical = create_queue(cloud, &queue)
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

async fn create_queue(cloud: &Cloud, queue: &Queue) -> anyhow::Result<Physical> {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let name = &queue.name;
    let mut req = cloud.sqs.create_queue().queue_name(name);
    for (attr, value) in &queue.attributes {
        req = req.attributes(A::from(attr.as_str()), value);
    }
    if let Some(redrive) = &queue.redrive_policy {
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
            ("QueueName".to_owned(), Value::String(name.clone())),
            ("QueueUrl".to_owned(), Value::String(url)),
        ]),
    })
}

async fn create_table(cloud: &Cloud, table: &Table) -> anyhow::Result<Physical> {
    let name = &table.name;
    let ddb = &cloud.dynamodb;
    let exists = ddb.describe_table().table_name(name).send().await.is_ok();
    if !exists {
        let attributes = table
            .attributes
            .iter()
            .map(|(attribute, kind)| {
                Ok(AttributeDefinition::builder()
                    .attribute_name(attribute)
                    .attribute_type(ScalarAttributeType::from(kind.as_str()))
                    .build()?)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut req = ddb
            .create_table()
            .table_name(name)
            .set_attribute_definitions(Some(attributes))
            .set_key_schema(Some(key_schema(&table.keys)?))
            .billing_mode(BillingMode::PayPerRequest);
        for gsi in &table.indexes {
            req = req.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(&gsi.name)
                    .set_key_schema(Some(key_schema(&gsi.keys)?))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::from(gsi.projection.as_str()))
                            .set_non_key_attributes(gsi.non_key_attributes.clone())
                            .build(),
                    )
                    .build()?,
            );
        }
        if let Some(view) = &table.stream_view {
            req = req.stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::from(view.as_str()))
                    .build()?,
            );
        }
        req.send().await?;
        if let Some(attribute) = &table.ttl_attribute {
            ddb.update_time_to_live()
                .table_name(name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(attribute)
                        .enabled(true)
                        .build()?,
                )
                .send()
                .await?;
        }
    }
    let described = ddb.describe_table().table_name(name).send().await?;
    let described = described
        .table
        .ok_or_else(|| anyhow!("table {name} vanished"))?;
    let mut attributes = HashMap::new();
    if let Some(arn) = described.table_arn {
        attributes.insert("Arn".to_owned(), Value::String(arn));
    }
    if let Some(stream) = described.latest_stream_arn {
        attributes.insert("StreamArn".to_owned(), Value::String(stream));
    }
    Ok(Physical {
        reference: Value::String(name.clone()),
        attributes,
    })
}

fn key_schema(keys: &[Key]) -> anyhow::Result<Vec<KeySchemaElement>> {
    keys.iter()
        .map(|k| {
            Ok(KeySchemaElement::builder()
                .attribute_name(&k.attribute)
                .key_type(KeyType::from(k.kind.as_str()))
                .build()?)
        })
        .collect()
}
