//! Response bodies. Handlers build one `Doc` tree (PascalCase keys, wrapped lists:
//! `{"SecurityGroupIds": {"SecurityGroupId": [..]}}`); this module writes it as JSON or as
//! Alibaba's XML, where a list under key K becomes repeated `<K>` elements.

use quick_xml::escape::escape;

use crate::doc::{Doc, Fields};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// `Format=XML` in any case selects XML; everything else (including absent) is JSON.
    pub fn from_param(value: Option<&str>) -> Self {
        match value {
            Some(v) if v.eq_ignore_ascii_case("xml") => Format::Xml,
            _ => Format::Json,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json;charset=utf-8",
            // The Tea SDKs parse an XML error only with exactly this value.
            Format::Xml => "text/xml;charset=utf-8",
        }
    }
}

/// Puts `RequestId` first and renders the body under the root element `root` (XML only).
pub fn render(format: Format, root: &str, request_id: &str, body: Fields) -> String {
    let mut object = body;
    object.insert_first("RequestId", request_id.to_string());
    match format {
        Format::Json => object.to_json(),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
            write_fields(&mut out, root, &object);
            out
        }
    }
}

/// The text an XML reader gets back for a string this encoder writes: characters XML 1.0
/// cannot carry at all (control characters but tab, LF and CR; U+FFFE, U+FFFF) become U+FFFD.
pub fn xml_text(s: &str) -> String {
    s.chars()
        .map(|c| if xml_char(c) { c } else { '\u{FFFD}' })
        .collect()
}

fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escaped element text: markup characters as entities, CR as a character reference (XML
/// readers would turn a raw one into LF), and what XML cannot carry as U+FFFD.
fn push_text(out: &mut String, s: &str) {
    for part in escape(xml_text(s).as_str()).split_inclusive('\r') {
        match part.strip_suffix('\r') {
            Some(text) => {
                out.push_str(text);
                out.push_str("&#13;");
            }
            None => out.push_str(part),
        }
    }
}

fn write_fields(out: &mut String, name: &str, fields: &Fields) {
    open_tag(out, name);
    for (k, v) in fields.iter() {
        write_element(out, k, v);
    }
    close_tag(out, name);
}

fn write_element(out: &mut String, name: &str, value: &Doc) {
    match value {
        Doc::List(items) => {
            for item in items {
                write_element(out, name, item);
            }
        }
        Doc::Obj(fields) => write_fields(out, name, fields),
        Doc::Shared(shared) => {
            open_tag(out, name);
            out.push_str(shared.xml(|fields| {
                let mut elements = String::new();
                for (k, v) in fields.iter() {
                    write_element(&mut elements, k, v);
                }
                elements
            }));
            close_tag(out, name);
        }
        scalar => {
            open_tag(out, name);
            match scalar {
                Doc::Str(s) => push_text(out, s),
                Doc::Null => {}
                other => out.push_str(&serde_json::to_string(other).unwrap_or_default()),
            }
            close_tag(out, name);
        }
    }
}

fn open_tag(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close_tag(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn body(v: Value) -> Fields {
        match Doc::from(v) {
            Doc::Obj(fields) => fields,
            _ => panic!("an object"),
        }
    }

    #[test]
    fn json_puts_request_id_first() {
        let out = render(Format::Json, "X", "RID", body(json!({"B": 1, "A": true})));
        assert_eq!(out, r#"{"RequestId":"RID","B":1,"A":true}"#);
    }

    #[test]
    fn xml_repeats_list_items_under_their_key_and_keeps_empty_wrappers() {
        let out = render(
            Format::Xml,
            "DescribeXResponse",
            "RID",
            body(json!({
                "SecurityGroupIds": {"SecurityGroupId": ["sg-1", "sg-2"]},
                "Empty": {"Item": []},
                "Name": "a<b&c",
                "Count": 2
            })),
        );
        assert_eq!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DescribeXResponse><RequestId>RID</RequestId>\
             <SecurityGroupIds><SecurityGroupId>sg-1</SecurityGroupId><SecurityGroupId>sg-2</SecurityGroupId></SecurityGroupIds>\
             <Empty></Empty><Name>a&lt;b&amp;c</Name><Count>2</Count></DescribeXResponse>"
        );
    }

    /// Found by the `encoders` fuzz target: a control character in a string (an error
    /// message quoting a parameter name, say) made the XML answer malformed.
    #[test]
    fn xml_text_never_carries_characters_xml_forbids() {
        let out = render(
            Format::Xml,
            "Error",
            "RID",
            body(json!({"Message": "a\u{7}b\u{0}c\u{FFFF}d\re\tf\ng"})),
        );
        assert_eq!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><RequestId>RID</RequestId>\
             <Message>a\u{FFFD}b\u{FFFD}c\u{FFFD}d&#13;e\tf\ng</Message></Error>"
        );
    }

    #[test]
    fn shared_objects_write_as_the_objects_they_hold() {
        let item = body(
            json!({"Id": "eni-1", "Name": "a<b", "Ips": {"Ip": ["10.0.0.1", "10.0.0.2"]}, "Empty": {}}),
        );
        let shared = Doc::Shared(std::sync::Arc::new(crate::doc::Shared::new(&item)));
        let page = |item: Doc| {
            let mut fields = Fields::new();
            fields.push("Items", crate::doc::wrap("Item", [item.clone(), item]));
            fields
        };
        for format in [Format::Json, Format::Xml] {
            assert_eq!(
                render(format, "R", "RID", page(shared.clone())),
                render(format, "R", "RID", page(Doc::Obj(item.clone())))
            );
        }
    }

    #[test]
    fn format_is_case_insensitive_and_defaults_to_json() {
        assert_eq!(Format::from_param(Some("xml")), Format::Xml);
        assert_eq!(Format::from_param(Some("XML")), Format::Xml);
        assert_eq!(Format::from_param(Some("json")), Format::Json);
        assert_eq!(Format::from_param(None), Format::Json);
    }
}
