//! Request-signature computation for the two Alibaba Cloud RPC schemes:
//! V1 (`SignatureVersion=1.0`, HMAC-SHA1 over the sorted parameters) and
//! ACS3-HMAC-SHA256 (canonical request signed via the `Authorization` header).
//!
//! The server never trusts the client's encoding of the wire: both schemes are
//! rebuilt from *decoded* parameters and re-encoded with [`percent_encode`], so
//! `+` versus `%20` or `(` versus `%28` in the URL does not affect the result.

use axum::http::HeaderMap;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Characters left as-is by RFC 3986 (unreserved set); everything else is escaped.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Scheme tag that prefixes both the ACS3 `Authorization` value and the StringToSign.
const ACS3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// RFC 3986 percent-encoding used by both schemes: UTF-8; keep A-Z a-z 0-9 - _ . ~; everything else %XX uppercase.
pub fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// Encodes every pair, sorts by encoded name (ties by encoded value, so the
/// result is deterministic for repeated names) and joins `k=v` with `&`.
fn canonical_query(params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    encoded.sort();
    encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// V1: build the StringToSign from the HTTP method and every decoded request parameter except `Signature`
/// (query and form-body parameters together; empty values such as `SignatureType=` are kept).
/// Sort by encoded name (ties by encoded value), join `pe(k)=pe(v)` with `&`, then METHOD + "&%2F&" + pe(joined).
pub fn v1_string_to_sign(method: &str, params: &[(String, String)]) -> String {
    format!("{method}&%2F&{}", percent_encode(&canonical_query(params)))
}

/// V1: base64(HMAC-SHA1(secret + "&", string_to_sign)).
pub fn v1_signature(secret: &str, string_to_sign: &str) -> String {
    // The trailing '&' is where a (never used) token secret would go.
    let mut mac = Hmac::<Sha1>::new_from_slice(format!("{secret}&").as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Parsed `Authorization: ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acs3Authorization {
    pub access_key_id: String,
    /// Lowercase header names, in the order the client listed them.
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Returns None when the value is not a well-formed ACS3 authorization (caller answers IncompleteSignature).
/// Tolerates optional spaces after commas; every part must appear exactly once and be non-empty.
pub fn parse_acs3_authorization(value: &str) -> Option<Acs3Authorization> {
    let rest = value.strip_prefix(ACS3_ALGORITHM)?.strip_prefix(' ')?;
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, val) = part.trim().split_once('=')?;
        let slot = match key {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => return None,
        };
        if val.is_empty() || slot.replace(val).is_some() {
            return None;
        }
    }
    let signed_headers: Vec<String> = signed_headers?
        .split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if signed_headers.iter().any(String::is_empty) {
        return None;
    }
    Some(Acs3Authorization {
        access_key_id: credential?.to_string(),
        signed_headers,
        signature: signature?.to_string(),
    })
}

/// ACS3 canonical request. `query` is the DECODED query-string parameters only (not the form body; '+' already decoded as space by the caller).
/// Canonical query: sort by encoded name, `pe(k)=pe(v)` joined by '&' ("" when no params).
/// Canonical headers: for each name in signed_headers sorted: name ":" trimmed value "\n" (multiple values of one header joined with ',' after sorting). Header lookup is case-insensitive.
/// Returns Err(name) if a signed header is absent from the request.
pub fn acs3_canonical_request(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &HeaderMap,
    signed_headers: &[String],
    body: &[u8],
) -> Result<String, String> {
    // SDKs sort before signing, so sorting here makes the client's listing order irrelevant.
    let mut names: Vec<String> = signed_headers
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    names.sort();
    let mut canonical_headers = String::new();
    for name in &names {
        // HeaderMap keys are stored lowercase, so a lowercase lookup is case-insensitive.
        let mut values: Vec<String> = headers
            .get_all(name.as_str())
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
            .collect();
        if values.is_empty() {
            return Err(name.clone());
        }
        values.sort();
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    Ok(format!(
        "{method}\n{path}\n{}\n{canonical_headers}\n{}\n{}",
        canonical_query(query),
        names.join(";"),
        sha256_hex(body)
    ))
}

/// "ACS3-HMAC-SHA256\n" + lowercase hex sha256(canonical_request)
pub fn acs3_string_to_sign(canonical_request: &str) -> String {
    format!(
        "{ACS3_ALGORITHM}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// lowercase hex HMAC-SHA256(secret (no '&'), string_to_sign)
pub fn acs3_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// lowercase hex sha256 of body
pub fn sha256_hex(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// Decode a raw query string or x-www-form-urlencoded body into (name, value) pairs in order ('+' means space).
pub fn decode_pairs(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect()
}

/// Constant-time comparison of two signature strings, so response timing does
/// not reveal how many leading characters of a forged signature were right.
/// (Only the length, which is public for both schemes, can leak.)
pub fn signatures_equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderName, HeaderValue};
    use serde_json::Value;

    const VECTORS: &str = include_str!("../../../shared/spec/signature-vectors.json");

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn header_map(list: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in list {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
        v[key]
            .as_str()
            .unwrap_or_else(|| panic!("vector field {key} missing"))
    }

    /// Rebuilds one captured request the way the server does and returns the
    /// mismatches found (empty when the vector verifies).
    fn check_vector(v: &Value) -> Vec<String> {
        let method = str_field(v, "method");
        let raw_path = str_field(v, "raw_path");
        let body = str_field(v, "body");
        let secret = str_field(v, "secret");
        let expected = str_field(v, "expected_signature");
        let (path, raw_query) = raw_path.split_once('?').unwrap_or((raw_path, ""));
        let wire_headers: Vec<(&str, &str)> = v["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h[0].as_str().unwrap(), h[1].as_str().unwrap()))
            .collect();
        let headers = header_map(&wire_headers);
        let mut errors = Vec::new();
        let mut check = |what: &str, got: &str, want: &str| {
            if got != want {
                errors.push(format!("{what}: got {got:?}, want {want:?}"));
            }
        };

        match str_field(v, "scheme") {
            "v1-HMAC-SHA1" => {
                let mut params = decode_pairs(raw_query);
                let form_body = headers
                    .get("content-type")
                    .and_then(|ct| ct.to_str().ok())
                    .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
                if form_body {
                    params.extend(decode_pairs(body));
                }
                let wire_signature = params
                    .iter()
                    .find(|(k, _)| k == "Signature")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                params.retain(|(k, _)| k != "Signature");
                let sts = v1_string_to_sign(method, &params);
                check("string_to_sign", &sts, str_field(v, "string_to_sign"));
                let sig = v1_signature(secret, &sts);
                check("signature", &sig, expected);
                check("wire signature", &wire_signature, expected);
            }
            "ACS3-HMAC-SHA256" => {
                let auth = headers
                    .get("authorization")
                    .and_then(|a| a.to_str().ok())
                    .and_then(parse_acs3_authorization)
                    .expect("ACS3 vector has a parseable Authorization");
                check(
                    "access key",
                    &auth.access_key_id,
                    str_field(v, "access_key_id"),
                );
                let canonical = acs3_canonical_request(
                    method,
                    path,
                    &decode_pairs(raw_query),
                    &headers,
                    &auth.signed_headers,
                    body.as_bytes(),
                )
                .expect("all signed headers present");
                check(
                    "canonical_request",
                    &canonical,
                    str_field(v, "canonical_request"),
                );
                let sts = acs3_string_to_sign(&canonical);
                check("string_to_sign", &sts, str_field(v, "string_to_sign"));
                let sig = acs3_signature(secret, &sts);
                check("signature", &sig, expected);
                check("authorization signature", &auth.signature, expected);
            }
            other => errors.push(format!("unknown scheme {other}")),
        }
        errors
    }

    #[test]
    fn all_captured_vectors_verify() {
        let doc: Value = serde_json::from_str(VECTORS).unwrap();
        let vectors = doc["vectors"].as_array().unwrap();
        assert_eq!(vectors.len(), 9);
        let failures: Vec<String> = vectors
            .iter()
            .flat_map(|v| {
                let name = str_field(v, "name").to_string();
                check_vector(v)
                    .into_iter()
                    .map(move |e| format!("{name}: {e}"))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn v1_official_describe_regions() {
        let params = pairs(&[
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Format", "XML"),
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("Version", "2014-05-26"),
            ("SignatureVersion", "1.0"),
        ]);
        let sts = v1_string_to_sign("GET", &params);
        assert_eq!(
            sts,
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML\
             %26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf\
             %26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
        );
        assert_eq!(
            v1_signature("testsecret", &sts),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    #[test]
    fn v1_calc_modify_network_interface_attribute() {
        let params = pairs(&[
            ("Action", "ModifyNetworkInterfaceAttribute"),
            ("Version", "2014-05-26"),
            ("Format", "JSON"),
            ("AccessKeyId", "testid"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", "c1b2a3d4-0000-4000-8000-000000000001"),
            ("Timestamp", "2024-01-02T03:04:05Z"),
            ("RegionId", "cn-hangzhou"),
            ("NetworkInterfaceId", "eni-bp1test0000000000001"),
            ("SecurityGroupId.1", "sg-bp1test0000000000001"),
            ("SecurityGroupId.2", "sg-bp1test0000000000002"),
            ("NetworkInterfaceName", "my eni:名*~"),
            ("Description", "a+b/c=d&e"),
        ]);
        assert_eq!(
            canonical_query(&params),
            "AccessKeyId=testid&Action=ModifyNetworkInterfaceAttribute&Description=a%2Bb%2Fc%3Dd%26e\
             &Format=JSON&NetworkInterfaceId=eni-bp1test0000000000001\
             &NetworkInterfaceName=my%20eni%3A%E5%90%8D%2A~&RegionId=cn-hangzhou\
             &SecurityGroupId.1=sg-bp1test0000000000001&SecurityGroupId.2=sg-bp1test0000000000002\
             &SignatureMethod=HMAC-SHA1&SignatureNonce=c1b2a3d4-0000-4000-8000-000000000001\
             &SignatureVersion=1.0&Timestamp=2024-01-02T03%3A04%3A05Z&Version=2014-05-26"
        );
        let sts = v1_string_to_sign("POST", &params);
        assert_eq!(
            sts,
            "POST&%2F&AccessKeyId%3Dtestid%26Action%3DModifyNetworkInterfaceAttribute\
             %26Description%3Da%252Bb%252Fc%253Dd%2526e%26Format%3DJSON\
             %26NetworkInterfaceId%3Deni-bp1test0000000000001\
             %26NetworkInterfaceName%3Dmy%2520eni%253A%25E5%2590%258D%252A~%26RegionId%3Dcn-hangzhou\
             %26SecurityGroupId.1%3Dsg-bp1test0000000000001%26SecurityGroupId.2%3Dsg-bp1test0000000000002\
             %26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dc1b2a3d4-0000-4000-8000-000000000001\
             %26SignatureVersion%3D1.0%26Timestamp%3D2024-01-02T03%253A04%253A05Z%26Version%3D2014-05-26"
        );
        assert_eq!(
            v1_signature("testsecret", &sts),
            "+IENPzaKjqEjZA8WwC5UoO3e1DI="
        );
    }

    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    const CALC_SIGNED: &str =
        "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version";

    fn signed_list(s: &str) -> Vec<String> {
        s.split(';').map(str::to_string).collect()
    }

    /// Headers shared by the two CALC ACS3 vectors in ecs-api.md §1.6.
    fn calc_headers(action: &str, body_sha: &str) -> HeaderMap {
        header_map(&[
            ("host", "ecs.cn-hangzhou.aliyuncs.com"),
            ("x-acs-action", action),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2024-01-02T03:04:05Z"),
            ("x-acs-signature-nonce", "0123456789abcdef0123456789abcdef"),
            ("x-acs-content-sha256", body_sha),
        ])
    }

    #[test]
    fn acs3_official_run_instances() {
        assert_eq!(sha256_hex(b""), EMPTY_SHA256);
        let headers = header_map(&[
            ("Host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", EMPTY_SHA256),
        ]);
        let auth = parse_acs3_authorization(
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;\
             x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,\
             Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
        )
        .unwrap();
        let query = decode_pairs(
            "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai",
        );
        let canonical =
            acs3_canonical_request("POST", "/", &query, &headers, &auth.signed_headers, b"")
                .unwrap();
        assert_eq!(
            canonical,
            "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n\
             host:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\n\
             x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-acs-date:2023-10-26T10:22:32Z\nx-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n\
             x-acs-version:2014-05-26\n\n\
             host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let sts = acs3_string_to_sign(&canonical);
        assert_eq!(
            sts,
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        let sig = acs3_signature("YourAccessKeySecret", &sts);
        assert_eq!(
            sig,
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
        assert!(signatures_equal(&sig, &auth.signature));
    }

    #[test]
    fn acs3_calc_query_with_list_and_non_ascii() {
        let query = pairs(&[
            ("RegionId", "cn-hangzhou"),
            ("NetworkInterfaceId", "eni-bp1test0000000000001"),
            ("SecurityGroupId.1", "sg-bp1test0000000000001"),
            ("SecurityGroupId.2", "sg-bp1test0000000000002"),
            ("NetworkInterfaceName", "my eni:名*~"),
        ]);
        assert_eq!(
            canonical_query(&query),
            "NetworkInterfaceId=eni-bp1test0000000000001&NetworkInterfaceName=my%20eni%3A%E5%90%8D%2A~\
             &RegionId=cn-hangzhou&SecurityGroupId.1=sg-bp1test0000000000001\
             &SecurityGroupId.2=sg-bp1test0000000000002"
        );
        let headers = calc_headers("ModifyNetworkInterfaceAttribute", EMPTY_SHA256);
        let canonical = acs3_canonical_request(
            "POST",
            "/",
            &query,
            &headers,
            &signed_list(CALC_SIGNED),
            b"",
        )
        .unwrap();
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "30f61a8b69b8a93b38cca13120ed762cc2c1e4db50f0253e845eaf9f2ac307d6"
        );
        assert_eq!(
            acs3_signature("testsecret", &acs3_string_to_sign(&canonical)),
            "264d7e19e10b82007840759b4d56f8d26da1629e8c0710ebda34b03217f144b9"
        );
    }

    #[test]
    fn acs3_calc_form_body() {
        let body = b"NetworkInterfaceId=eni-bp1test0000000000001&RegionId=cn-hangzhou&SecurityGroupId=sg-bp1test0000000000001";
        let body_sha = sha256_hex(body);
        assert_eq!(
            body_sha,
            "a93cf520b354f28adb29c05234ef15e440aa94bc8f7a91e87c3d68125d48340b"
        );
        let mut headers = calc_headers("JoinSecurityGroup", &body_sha);
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let signed = signed_list(&format!("content-type;{CALC_SIGNED}"));
        let canonical = acs3_canonical_request("POST", "/", &[], &headers, &signed, body).unwrap();
        assert!(
            canonical.starts_with("POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n")
        );
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "b38848df463daa72f0df4ec20522103f8e337fd7814fba87a910678199be654b"
        );
        assert_eq!(
            acs3_signature("testsecret", &acs3_string_to_sign(&canonical)),
            "4b6ef41fd740790b6e964a2d7b9ee7d2fe8f3c3a98ee2d45e5cfac2423f69f83"
        );
    }

    #[test]
    fn acs3_canonical_headers_details() {
        let mut headers = header_map(&[("X-Acs-Multi", " b "), ("x-acs-multi", "a")]);
        headers.insert("host", HeaderValue::from_static("h"));
        // Listing order and case of SignedHeaders must not matter.
        let signed = signed_list("X-ACS-MULTI;host");
        let canonical = acs3_canonical_request("GET", "/", &[], &headers, &signed, b"").unwrap();
        assert!(canonical.contains("\nhost:h\nx-acs-multi:a,b\n\nhost;x-acs-multi\n"));
        let missing = signed_list("host;x-acs-date");
        assert_eq!(
            acs3_canonical_request("GET", "/", &[], &headers, &missing, b""),
            Err("x-acs-date".to_string())
        );
    }

    #[test]
    fn percent_encode_edge_cases() {
        assert_eq!(percent_encode("a b"), "a%20b");
        assert_eq!(percent_encode("*"), "%2A");
        assert_eq!(percent_encode("~-_.AZaz09"), "~-_.AZaz09");
        assert_eq!(percent_encode("ü名"), "%C3%BC%E5%90%8D");
        assert_eq!(percent_encode("+/=&:!'()"), "%2B%2F%3D%26%3A%21%27%28%29");
        assert_eq!(percent_encode(""), "");
    }

    #[test]
    fn decode_pairs_keeps_order_empties_and_plus_as_space() {
        assert_eq!(
            decode_pairs("b=x+y&a=&c=%2B%20"),
            pairs(&[("b", "x y"), ("a", ""), ("c", "+ ")])
        );
        assert!(decode_pairs("").is_empty());
    }

    #[test]
    fn parse_acs3_authorization_accepts_good_and_rejects_malformed() {
        let want = Acs3Authorization {
            access_key_id: "AK".into(),
            signed_headers: vec!["host".into(), "x-acs-date".into()],
            signature: "abc".into(),
        };
        assert_eq!(
            parse_acs3_authorization(
                "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host;x-acs-date,Signature=abc"
            ),
            Some(want.clone())
        );
        assert_eq!(
            parse_acs3_authorization(
                "ACS3-HMAC-SHA256 Credential=AK, SignedHeaders=Host;X-Acs-Date, Signature=abc"
            ),
            Some(want)
        );
        for bad in [
            "",
            "ACS3-HMAC-SHA256",
            "ACS3-HMAC-SHA256 ",
            "ACS3-HMAC-SHA1 Credential=AK,SignedHeaders=host,Signature=abc",
            "acs3-hmac-sha256 Credential=AK,SignedHeaders=host,Signature=abc",
            "ACS3-HMAC-SHA256Credential=AK,SignedHeaders=host,Signature=abc",
            "ACS3-HMAC-SHA256 SignedHeaders=host,Signature=abc",
            "ACS3-HMAC-SHA256 Credential=AK,Signature=abc",
            "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host",
            "ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=abc",
            "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host;;date,Signature=abc",
            "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=abc,Signature=abc",
            "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=abc,Extra=1",
            "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature",
        ] {
            assert_eq!(parse_acs3_authorization(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn signatures_equal_compares_exactly() {
        assert!(signatures_equal("abc=", "abc="));
        assert!(!signatures_equal("abc=", "abd="));
        assert!(!signatures_equal("abc", "abc="));
        assert!(signatures_equal("", ""));
    }
}
