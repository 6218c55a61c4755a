//! Reply addresses: `reply+{token}@{mail domain}`, where the token names a
//! tenant and a ticket number and carries an HMAC over both, so a reply is
//! threaded by what we signed, not by what a sender claims.
//!
//! The token is base32 of tenant (16 bytes) ‖ number (4 bytes) ‖ MAC
//! (10 bytes): 48 characters, so the local part stays within the 64 that
//! RFC 5321 allows, and case-insensitive, since some mail systems
//! lower-case addresses.

use data_encoding::BASE32_NOPAD;
use subtle::ConstantTimeEq;
use ulid::Ulid;

use crate::kernel::ids::TenantId;
use crate::kernel::secrets::hmac_sha256;

const PREFIX: &str = "reply+";
const MAC_BYTES: usize = 10;
const TOKEN_BYTES: usize = 16 + 4 + MAC_BYTES;

/// Signs and reads reply addresses of one mail domain.
#[derive(Clone)]
pub struct ReplyAddresses {
    domain: String,
    key: [u8; 32],
}

impl std::fmt::Debug for ReplyAddresses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReplyAddresses({})", self.domain)
    }
}

impl ReplyAddresses {
    /// `key` is the deployment's derived reply-token key.
    pub fn new(domain: &str, key: [u8; 32]) -> Self {
        Self {
            domain: domain.trim().to_ascii_lowercase(),
            key,
        }
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The reply address of ticket `number` of `tenant`.
    pub fn address(&self, tenant: TenantId, number: u64) -> String {
        let number = u32::try_from(number).unwrap_or(u32::MAX);
        let mut bytes = Vec::with_capacity(TOKEN_BYTES);
        bytes.extend_from_slice(&tenant.ulid().to_bytes());
        bytes.extend_from_slice(&number.to_be_bytes());
        let mac = hmac_sha256(&self.key, &bytes);
        bytes.extend_from_slice(&mac[..MAC_BYTES]);
        format!(
            "{PREFIX}{}@{}",
            BASE32_NOPAD.encode(&bytes).to_ascii_lowercase(),
            self.domain
        )
    }

    /// The tenant and ticket number of a reply address, when it is one of
    /// ours and its MAC holds; `None` for anything else.
    pub fn verify(&self, address: &str) -> Option<(TenantId, u64)> {
        let (local, domain) = address.trim().rsplit_once('@')?;
        if !domain.eq_ignore_ascii_case(&self.domain) {
            return None;
        }
        let local = local.to_ascii_lowercase();
        let token = local.strip_prefix(PREFIX)?;
        let bytes = BASE32_NOPAD
            .decode(token.to_ascii_uppercase().as_bytes())
            .ok()?;
        if bytes.len() != TOKEN_BYTES {
            return None;
        }
        let (signed, mac) = bytes.split_at(16 + 4);
        let expected = hmac_sha256(&self.key, signed);
        if !bool::from(expected[..MAC_BYTES].ct_eq(mac)) {
            return None;
        }
        let tenant: [u8; 16] = signed[..16].try_into().ok()?;
        let number: [u8; 4] = signed[16..].try_into().ok()?;
        Some((
            TenantId::from_ulid(Ulid::from_bytes(tenant)),
            u64::from(u32::from_be_bytes(number)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses() -> ReplyAddresses {
        ReplyAddresses::new("Mail.Switchboard.Test", [7; 32])
    }

    #[test]
    fn an_address_reads_back_as_its_tenant_and_ticket() {
        let tenant = TenantId::new();
        let address = addresses().address(tenant, 1042);
        let (local, domain) = address.split_once('@').unwrap();
        assert_eq!(domain, "mail.switchboard.test");
        assert!(local.len() <= 64, "{local} is too long for a local part");
        assert_eq!(addresses().verify(&address), Some((tenant, 1042)));
        // Mail systems may change the case.
        assert_eq!(
            addresses().verify(&address.to_ascii_uppercase()),
            Some((tenant, 1042))
        );
    }

    #[test]
    fn forged_or_foreign_addresses_are_refused() {
        let tenant = TenantId::new();
        let address = addresses().address(tenant, 7);
        // Another key, another domain, a changed character, a truncation.
        let other_key = ReplyAddresses::new("mail.switchboard.test", [8; 32]);
        assert_eq!(other_key.verify(&address), None);
        assert_eq!(
            addresses().verify(&address.replace("switchboard.test", "example.com")),
            None
        );
        let (local, domain) = address.split_once('@').unwrap();
        let mut chars: Vec<char> = local.chars().collect();
        let i = PREFIX.len() + 30;
        chars[i] = if chars[i] == 'a' { 'b' } else { 'a' };
        let tampered = format!("{}@{domain}", chars.into_iter().collect::<String>());
        assert_eq!(addresses().verify(&tampered), None);
        assert_eq!(
            addresses().verify(&format!("{}@{domain}", &local[..40])),
            None
        );
        assert_eq!(addresses().verify("support@mail.switchboard.test"), None);
        assert_eq!(addresses().verify("reply+!!!@mail.switchboard.test"), None);
    }
}
