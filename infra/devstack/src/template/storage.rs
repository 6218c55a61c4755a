//! The stateful resources devstack creates in the emulator: the DynamoDB
//! table (keys, indexes, stream, TTL), SQS queues and S3 buckets, as the
//! template declares them.

use serde_json::Value;

use super::document::{Template, scalar_string};
use super::kinds::{BUCKET, TABLE};
use super::resolve::Context;

/// One `KeySchema` entry: an attribute and `HASH` or `RANGE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub attribute: String,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalIndex {
    pub name: String,
    pub keys: Vec<Key>,
    /// `ALL` unless the template says otherwise.
    pub projection: String,
    pub non_key_attributes: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub logical_id: String,
    pub name: String,
    /// (attribute name, `S`/`N`/`B`).
    pub attributes: Vec<(String, String)>,
    pub keys: Vec<Key>,
    pub indexes: Vec<GlobalIndex>,
    /// The stream's view type, when the table has a stream.
    pub stream_view: Option<String>,
    /// The TTL attribute, when TTL is enabled.
    pub ttl_attribute: Option<String>,
}

/// Every table of the template, resolved against `ctx`.
pub fn tables(t: &Template, ctx: &Context) -> anyhow::Result<Vec<Table>> {
    t.resources_of(TABLE)
        .map(|(id, resource)| {
            let props = ctx.resolve(resource.get("Properties").unwrap_or(&Value::Null))?;
            Ok(Table::of_properties(&ctx.stack, id, &props))
        })
        .collect()
}

impl Table {
    fn of_properties(stack: &str, id: &str, props: &Value) -> Self {
        let text = |v: &Value, k: &str| v.get(k).map(scalar_string).unwrap_or_default();
        Self {
            logical_id: id.to_owned(),
            name: props
                .get("TableName")
                .map(scalar_string)
                .unwrap_or_else(|| format!("{stack}-{id}")),
            attributes: items(props.get("AttributeDefinitions"))
                .map(|a| (text(a, "AttributeName"), text(a, "AttributeType")))
                .collect(),
            keys: keys(props.get("KeySchema")),
            indexes: items(props.get("GlobalSecondaryIndexes"))
                .map(|gsi| GlobalIndex {
                    name: text(gsi, "IndexName"),
                    keys: keys(gsi.get("KeySchema")),
                    projection: gsi
                        .pointer("/Projection/ProjectionType")
                        .map(scalar_string)
                        .unwrap_or_else(|| "ALL".into()),
                    non_key_attributes: gsi
                        .pointer("/Projection/NonKeyAttributes")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().map(scalar_string).collect()),
                })
                .collect(),
            stream_view: props
                .pointer("/StreamSpecification/StreamViewType")
                .map(scalar_string),
            ttl_attribute: props
                .get("TimeToLiveSpecification")
                .filter(|ttl| ttl.get("Enabled").and_then(Value::as_bool).unwrap_or(false))
                .map(|ttl| text(ttl, "AttributeName")),
        }
    }
}

fn items(list: Option<&Value>) -> impl Iterator<Item = &Value> {
    list.and_then(Value::as_array).into_iter().flatten()
}

fn keys(schema: Option<&Value>) -> Vec<Key> {
    items(schema)
        .map(|k| Key {
            attribute: k
                .get("AttributeName")
                .map(scalar_string)
                .unwrap_or_default(),
            kind: k.get("KeyType").map(scalar_string).unwrap_or_default(),
        })
        .collect()
}

/// An SQS queue as the template declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    pub logical_id: String,
    pub name: String,
    /// SQS attributes the template sets (`VisibilityTimeout`, …), by the
    /// names SQS gives them.
    pub attributes: Vec<(String, String)>,
    /// The redrive policy, naming its dead-letter queue by ARN.
    pub redrive_policy: Option<Value>,
}

impl Queue {
    /// The queue of resolved `props` (a redrive policy can only resolve once
    /// its dead-letter queue exists, so resolving is the caller's).
    pub fn of_properties(stack: &str, id: &str, props: &Value) -> Self {
        Self {
            logical_id: id.to_owned(),
            // CloudFormation names a FIFO queue with the suffix SQS requires.
            name: props
                .get("QueueName")
                .map(scalar_string)
                .unwrap_or_else(|| {
                    let fifo = props
                        .get("FifoQueue")
                        .is_some_and(|v| scalar_string(v) == "true");
                    format!("{stack}-{id}{}", if fifo { ".fifo" } else { "" })
                }),
            attributes: [
                "VisibilityTimeout",
                "MessageRetentionPeriod",
                "DelaySeconds",
                "ReceiveMessageWaitTimeSeconds",
                "FifoQueue",
                "ContentBasedDeduplication",
            ]
            .into_iter()
            .filter_map(|k| props.get(k).map(|v| (k.to_owned(), scalar_string(v))))
            .collect(),
            redrive_policy: props.get("RedrivePolicy").cloned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub logical_id: String,
    pub name: String,
}

/// Every bucket of the template: its `BucketName`, or `{stack}-{id}` in
/// lower case as S3 requires.
pub fn buckets(t: &Template, ctx: &Context) -> anyhow::Result<Vec<Bucket>> {
    t.resources_of(BUCKET)
        .map(|(id, resource)| {
            let name = resource
                .pointer("/Properties/BucketName")
                .map(|v| ctx.resolve(v))
                .transpose()?
                .map(|v| scalar_string(&v))
                .unwrap_or_else(|| format!("{}-{id}", ctx.stack).to_lowercase());
            Ok(Bucket {
                logical_id: id.to_owned(),
                name,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_queues_and_buckets_read_as_declared() {
        let t = Template::parse(
            r#"
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [ { AttributeName: pk, AttributeType: S }, { AttributeName: g, AttributeType: S } ]
      KeySchema: [ { AttributeName: pk, KeyType: HASH } ]
      GlobalSecondaryIndexes:
        - { IndexName: G, KeySchema: [ { AttributeName: g, KeyType: HASH } ], Projection: { ProjectionType: KEYS_ONLY } }
      StreamSpecification: { StreamViewType: NEW_AND_OLD_IMAGES }
      TimeToLiveSpecification: { AttributeName: expires, Enabled: true }
  Files: { Type: AWS::S3::Bucket }
  Named: { Type: AWS::S3::Bucket, Properties: { BucketName: !Sub "${AWS::StackName}-named" } }
"#,
        )
        .unwrap();
        let ctx = Context {
            stack: "SB".into(),
            ..Default::default()
        };
        let table = &tables(&t, &ctx).unwrap()[0];
        assert_eq!(table.name, "SB-Table");
        assert_eq!(table.attributes[1], ("g".to_owned(), "S".to_owned()));
        assert_eq!(table.keys[0].kind, "HASH");
        assert_eq!(table.indexes[0].projection, "KEYS_ONLY");
        assert_eq!(table.stream_view.as_deref(), Some("NEW_AND_OLD_IMAGES"));
        assert_eq!(table.ttl_attribute.as_deref(), Some("expires"));
        let names: Vec<_> = buckets(&t, &ctx)
            .unwrap()
            .into_iter()
            .map(|b| b.name)
            .collect();
        assert_eq!(names, ["sb-files", "SB-named"]);
        let q = Queue::of_properties(
            "sb",
            "Jobs",
            &serde_json::json!({"VisibilityTimeout": 30, "RedrivePolicy": {"maxReceiveCount": 3}}),
        );
        assert_eq!(q.name, "sb-Jobs");
        assert_eq!(
            q.attributes,
            [("VisibilityTimeout".to_owned(), "30".to_owned())]
        );
        assert!(q.redrive_policy.is_some());
    }
}
