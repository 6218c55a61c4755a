//! Mail resources: SES sending identities and configuration sets, and the
//! receipt rule that stores inbound mail in S3 and invokes a function.

use anyhow::anyhow;
use serde_json::Value;

use super::document::{Template, scalar_string};
use super::function::Function;
use super::kinds::{CONFIGURATION_SET, EMAIL_IDENTITY, RECEIPT_RULE};
use super::resolve::Context;

/// (logical id, name) of each configuration set: its `Name`, or
/// `{stack}-{id}`.
pub fn configuration_sets(t: &Template, ctx: &Context) -> anyhow::Result<Vec<(String, String)>> {
    t.resources_of(CONFIGURATION_SET)
        .map(|(id, resource)| {
            let name = resource
                .pointer("/Properties/Name")
                .map(|v| ctx.resolve(v))
                .transpose()?
                .map(|v| scalar_string(&v))
                .unwrap_or_else(|| format!("{}-{id}", ctx.stack));
            Ok((id.to_owned(), name))
        })
        .collect()
}

/// (logical id, identity) of each sending identity.
pub fn email_identities(t: &Template, ctx: &Context) -> anyhow::Result<Vec<(String, String)>> {
    t.resources_of(EMAIL_IDENTITY)
        .map(|(id, resource)| {
            let identity = resource
                .pointer("/Properties/EmailIdentity")
                .map(|v| ctx.resolve(v))
                .transpose()?
                .map(|v| scalar_string(&v))
                .ok_or_else(|| anyhow!("{id} names no EmailIdentity"))?;
            Ok((id.to_owned(), identity))
        })
        .collect()
}

/// What the template's receipt rule does with a message.
#[derive(Debug, Clone)]
pub struct ReceiptRule {
    pub bucket: String,
    pub prefix: String,
    /// Logical id of the function the rule invokes.
    pub function: String,
}

/// Whether the template receives mail (known before anything is resolved,
/// so that the SMTP port can be bound first).
pub fn has_receipt_rule(t: &Template) -> bool {
    t.resources_of(RECEIPT_RULE).next().is_some()
}

/// The first receipt rule with an S3 and a Lambda action, if any.
pub fn receipt_rule(
    t: &Template,
    ctx: &Context,
    functions: &[Function],
) -> anyhow::Result<Option<ReceiptRule>> {
    for (id, r) in t.resources_of(RECEIPT_RULE) {
        let rule = ctx.resolve(r.pointer("/Properties/Rule").unwrap_or(&Value::Null))?;
        let actions = rule
            .get("Actions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let s3 = actions.iter().find_map(|a| a.get("S3Action"));
        let lambda = actions.iter().find_map(|a| a.get("LambdaAction"));
        let (Some(s3), Some(lambda)) = (s3, lambda) else {
            continue;
        };
        let arn = lambda
            .get("FunctionArn")
            .map(scalar_string)
            .unwrap_or_default();
        let function = functions
            .iter()
            .find(|f| arn.ends_with(&format!(":function:{}", f.name)))
            .ok_or_else(|| anyhow!("{id}: no function behind {arn}"))?;
        return Ok(Some(ReceiptRule {
            bucket: s3.get("BucketName").map(scalar_string).unwrap_or_default(),
            prefix: s3
                .get("ObjectKeyPrefix")
                .map(scalar_string)
                .unwrap_or_default(),
            function: function.logical_id.clone(),
        }));
    }
    Ok(None)
}
