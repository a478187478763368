//! Who the client is behind a reverse proxy: `Forwarded` / `X-Forwarded-For` are believed only from a
//! trusted proxy, hop by hop from the right, so a client cannot forge its own address.

use ipnet::IpNet;
use std::net::IpAddr;

/// The addresses and ranges whose `Forwarded` / `X-Forwarded-For` headers are believed
/// (`OLIVE_TRUSTED_PROXIES`, e.g. `127.0.0.1, 10.0.0.0/8, ::1`). Empty: no proxy is trusted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

/// What the proxy headers of one request say, already split out of the headers.
#[derive(Debug, Clone, Default)]
pub struct ProxyHeaders<'a> {
    /// every `Forwarded` header value, in order (RFC 7239)
    pub forwarded: Vec<&'a str>,
    /// every `X-Forwarded-For` header value, in order
    pub x_forwarded_for: Vec<&'a str>,
    /// the `X-Forwarded-Proto` header
    pub x_forwarded_proto: Option<&'a str>,
}

/// The client as Olive believes it: its address, whether the connection came through a trusted
/// proxy, and whether the client used HTTPS (as that proxy says).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    pub ip: IpAddr,
    pub via_trusted_proxy: bool,
    pub https: bool,
}

impl TrustedProxies {
    /// Parse a comma- or space-separated list of addresses and CIDR ranges; an error names the entry.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        let mut nets = Vec::new();
        for item in text.split([',', ' ', '\n', '\t']).filter(|s| !s.is_empty()) {
            let net = match item.parse::<IpNet>() {
                Ok(n) => n,
                Err(_) => match item.parse::<IpAddr>() {
                    Ok(ip) => IpNet::from(ip),
                    Err(_) => {
                        return Err(format!(
                            "'{item}' is not an IP address or CIDR range (e.g. 127.0.0.1 or 10.0.0.0/8)"
                        ));
                    }
                },
            };
            nets.push(net.trunc());
        }
        Ok(TrustedProxies(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is one of the trusted proxies (IPv4-mapped IPv6 judged as IPv4).
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client behind `peer` (the connection's address). Proxy headers are read only when `peer`
    /// is trusted; then the chain is walked from the right, skipping trusted proxies, and the first
    /// address that is not one is the client. A malformed chain falls back to the last good hop.
    pub fn client(&self, peer: IpAddr, headers: &ProxyHeaders<'_>) -> Client {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return Client {
                ip: peer,
                via_trusted_proxy: false,
                https: false,
            };
        }
        let (hops, protos) = if headers.forwarded.is_empty() {
            let hops: Vec<Option<IpAddr>> = headers
                .x_forwarded_for
                .iter()
                .flat_map(|v| v.split(','))
                .map(|h| parse_node(h.trim()))
                .collect();
            let proto = headers.x_forwarded_proto.map(|p| {
                p.split(',')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case("https")
            });
            (hops, proto.into_iter().collect::<Vec<_>>())
        } else {
            forwarded(&headers.forwarded)
        };
        let mut ip = peer;
        for hop in hops.iter().rev() {
            if !self.trusts(ip) {
                break;
            }
            match hop {
                Some(h) => ip = canonical(*h),
                None => break,
            }
        }
        // The scheme the trusted proxy says the client used.
        let https = protos.last().copied().unwrap_or(false);
        Client {
            ip,
            via_trusted_proxy: true,
            https,
        }
    }
}

/// `for=` nodes and `proto=` values of `Forwarded` headers, in order.
fn forwarded(values: &[&str]) -> (Vec<Option<IpAddr>>, Vec<bool>) {
    let mut hops = Vec::new();
    let mut protos = Vec::new();
    for element in values.iter().flat_map(|v| v.split(',')) {
        for pair in element.split(';') {
            let Some((k, v)) = pair.split_once('=') else {
                continue;
            };
            let v = v.trim().trim_matches('"');
            match k.trim().to_ascii_lowercase().as_str() {
                "for" => hops.push(parse_node(v)),
                "proto" => protos.push(v.eq_ignore_ascii_case("https")),
                _ => {}
            }
        }
    }
    (hops, protos)
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `[::1]`, `[::1]:80` or `::1`.
fn parse_node(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    let (host, port) = text.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff<'a>(values: &[&'a str]) -> ProxyHeaders<'a> {
        ProxyHeaders {
            x_forwarded_for: values.to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn parses_addresses_and_ranges_and_names_a_bad_entry() {
        let p = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8 ::1").unwrap();
        assert!(p.trusts(ip("127.0.0.1")));
        assert!(p.trusts(ip("10.200.3.4")));
        assert!(p.trusts(ip("::1")));
        assert!(p.trusts(ip("::ffff:127.0.0.1")));
        assert!(!p.trusts(ip("127.0.0.2")));
        assert!(!p.trusts(ip("11.0.0.1")));
        let err = TrustedProxies::parse("127.0.0.1, nginx").unwrap_err();
        assert!(err.contains("'nginx'"), "{err}");
        assert!(TrustedProxies::parse("").unwrap().is_empty());
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let p = TrustedProxies::parse("127.0.0.1").unwrap();
        let c = p.client(ip("127.0.0.2"), &xff(&["203.0.113.7"]));
        assert_eq!(c.ip, ip("127.0.0.2"));
        assert!(!c.via_trusted_proxy && !c.https);
        let none = TrustedProxies::default().client(ip("127.0.0.1"), &xff(&["203.0.113.7"]));
        assert_eq!(none.ip, ip("127.0.0.1"));
    }

    #[test]
    fn a_forged_left_entry_is_not_believed() {
        // nginx appends the address it saw: "forged, real".
        let p = TrustedProxies::parse("127.0.0.1").unwrap();
        let c = p.client(ip("127.0.0.1"), &xff(&["203.0.113.7, 127.0.0.2"]));
        assert_eq!(c.ip, ip("127.0.0.2"));
        assert!(c.via_trusted_proxy);
        // Two trusted hops (a balancer in front of nginx), in two header lines.
        let p = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").unwrap();
        let c = p.client(ip("10.0.0.5"), &xff(&["198.51.100.9", "127.0.0.1"]));
        assert_eq!(c.ip, ip("198.51.100.9"));
        // Every hop trusted: the leftmost is the best we know.
        let c = p.client(ip("127.0.0.1"), &xff(&["10.1.1.1"]));
        assert_eq!(c.ip, ip("10.1.1.1"));
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_good_hop() {
        let p = TrustedProxies::parse("127.0.0.1").unwrap();
        let c = p.client(ip("127.0.0.1"), &xff(&["198.51.100.9, unknown"]));
        assert_eq!(c.ip, ip("127.0.0.1"));
        let c = p.client(ip("127.0.0.1"), &xff(&[]));
        assert_eq!(c.ip, ip("127.0.0.1"));
    }

    #[test]
    fn forwarded_header_with_ports_brackets_and_proto() {
        let p = TrustedProxies::parse("127.0.0.1").unwrap();
        let h = ProxyHeaders {
            forwarded: vec![r#"for="[2001:db8::7]:4711";proto=https, for=127.0.0.1:80"#],
            x_forwarded_for: vec!["203.0.113.7"],
            x_forwarded_proto: Some("http"),
        };
        let c = p.client(ip("127.0.0.1"), &h);
        assert_eq!(c.ip, ip("2001:db8::7"));
        assert!(c.https, "Forwarded wins over X-Forwarded-*");
        let h = ProxyHeaders {
            x_forwarded_for: vec!["198.51.100.9:5555"],
            x_forwarded_proto: Some("https"),
            ..Default::default()
        };
        let c = p.client(ip("127.0.0.1"), &h);
        assert_eq!(c.ip, ip("198.51.100.9"));
        assert!(c.https);
        // Only a trusted proxy is believed about HTTPS.
        let c = p.client(
            ip("127.0.0.9"),
            &ProxyHeaders {
                x_forwarded_proto: Some("https"),
                ..Default::default()
            },
        );
        assert!(!c.https);
    }
}
