//! Discord's documented size limits, checked on the JSON bodies the bot sends.
//!
//! Used by the curriculum validator and `preview` (through `render`), and by the fake
//! Discord in the tests, which fails a test whenever the bot sends something Discord
//! would reject.

use serde_json::Value;

pub const CONTENT: usize = 2000;
pub const EMBEDS: usize = 10;
pub const EMBED_TITLE: usize = 256;
pub const EMBED_DESCRIPTION: usize = 4096;
pub const EMBED_FIELDS: usize = 25;
pub const FIELD_NAME: usize = 256;
pub const FIELD_VALUE: usize = 1024;
pub const FOOTER: usize = 2048;
pub const AUTHOR_NAME: usize = 256;
pub const EMBEDS_TOTAL: usize = 6000;
pub const ACTION_ROWS: usize = 5;
pub const ROW_BUTTONS: usize = 5;
pub const BUTTON_LABEL: usize = 80;
pub const CUSTOM_ID: usize = 100;
pub const SELECT_OPTIONS: usize = 25;
pub const SELECT_LABEL: usize = 100;
pub const CHOICES: usize = 25;
pub const CHOICE_NAME: usize = 100;
pub const MODAL_TITLE: usize = 45;
pub const MODAL_INPUTS: usize = 5;
pub const INPUT_LABEL: usize = 45;
pub const INPUT_VALUE: usize = 4000;
pub const COMMAND_NAME: usize = 32;
pub const COMMAND_DESCRIPTION: usize = 100;
pub const COMMAND_OPTIONS: usize = 25;

fn chars(v: &Value) -> usize {
    v.as_str().map(|s| s.chars().count()).unwrap_or(0)
}

fn over(out: &mut Vec<String>, what: &str, len: usize, max: usize) {
    if len > max {
        out.push(format!("{what} is {len} long, the limit is {max}"));
    }
}

/// The characters of an embed that count toward [`EMBEDS_TOTAL`]: title, description,
/// footer, author name, and field names and values.
pub fn embed_chars(e: &Value) -> usize {
    let fields: usize =
        e["fields"].as_array().map_or(0, |fs| fs.iter().map(|f| chars(&f["name"]) + chars(&f["value"])).sum());
    chars(&e["title"]) + chars(&e["description"]) + chars(&e["footer"]["text"]) + chars(&e["author"]["name"]) + fields
}

/// Checks a message body: create message, edit, webhook follow-up, or the `data` of an
/// interaction response of type 4 or 7.
pub fn check_message(msg: &Value) -> Vec<String> {
    let mut out = Vec::new();
    over(&mut out, "content", chars(&msg["content"]), CONTENT);
    if let Some(embeds) = msg["embeds"].as_array() {
        over(&mut out, "number of embeds", embeds.len(), EMBEDS);
        let mut total = 0;
        for (i, e) in embeds.iter().enumerate() {
            let title = chars(&e["title"]);
            let desc = chars(&e["description"]);
            let footer = chars(&e["footer"]["text"]);
            let author = chars(&e["author"]["name"]);
            over(&mut out, &format!("embed {i} title"), title, EMBED_TITLE);
            over(&mut out, &format!("embed {i} description"), desc, EMBED_DESCRIPTION);
            over(&mut out, &format!("embed {i} footer"), footer, FOOTER);
            over(&mut out, &format!("embed {i} author name"), author, AUTHOR_NAME);
            total += title + desc + footer + author;
            if let Some(fields) = e["fields"].as_array() {
                over(&mut out, &format!("embed {i} field count"), fields.len(), EMBED_FIELDS);
                for (j, f) in fields.iter().enumerate() {
                    let name = chars(&f["name"]);
                    let value = chars(&f["value"]);
                    if name == 0 || value == 0 {
                        out.push(format!("embed {i} field {j} has an empty name or value"));
                    }
                    over(&mut out, &format!("embed {i} field {j} name"), name, FIELD_NAME);
                    over(&mut out, &format!("embed {i} field {j} value"), value, FIELD_VALUE);
                    total += name + value;
                }
            }
        }
        over(&mut out, "all embeds together", total, EMBEDS_TOTAL);
    }
    check_components(&msg["components"], &mut out);
    out
}

fn check_components(components: &Value, out: &mut Vec<String>) {
    let Some(rows) = components.as_array() else {
        return;
    };
    over(out, "number of action rows", rows.len(), ACTION_ROWS);
    for (r, row) in rows.iter().enumerate() {
        let items = row["components"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        if items.is_empty() {
            out.push(format!("action row {r} is empty"));
        }
        over(out, &format!("action row {r} components"), items.len(), ROW_BUTTONS);
        for (c, item) in items.iter().enumerate() {
            over(out, &format!("row {r} item {c} label"), chars(&item["label"]), BUTTON_LABEL);
            over(out, &format!("row {r} item {c} custom_id"), chars(&item["custom_id"]), CUSTOM_ID);
            if let Some(options) = item["options"].as_array() {
                over(out, &format!("row {r} select options"), options.len(), SELECT_OPTIONS);
                for (o, opt) in options.iter().enumerate() {
                    over(out, &format!("row {r} option {o} label"), chars(&opt["label"]), SELECT_LABEL);
                }
            }
        }
    }
}

/// Checks a modal (interaction response of type 9).
pub fn check_modal(modal: &Value) -> Vec<String> {
    let mut out = Vec::new();
    over(&mut out, "modal title", chars(&modal["title"]), MODAL_TITLE);
    over(&mut out, "modal custom_id", chars(&modal["custom_id"]), CUSTOM_ID);
    let rows = modal["components"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    over(&mut out, "modal text inputs", rows.len(), MODAL_INPUTS);
    for (r, row) in rows.iter().enumerate() {
        for input in row["components"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            over(&mut out, &format!("modal input {r} label"), chars(&input["label"]), INPUT_LABEL);
            over(&mut out, &format!("modal input {r} value"), chars(&input["value"]), INPUT_VALUE);
        }
    }
    out
}

/// Checks an interaction callback body `{ "type": N, "data": ... }`.
pub fn check_interaction_response(body: &Value) -> Vec<String> {
    match body["type"].as_u64() {
        Some(4) | Some(7) => check_message(&body["data"]),
        Some(8) => {
            let mut out = Vec::new();
            let choices = body["data"]["choices"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            over(&mut out, "autocomplete choices", choices.len(), CHOICES);
            for (i, c) in choices.iter().enumerate() {
                over(&mut out, &format!("choice {i} name"), chars(&c["name"]), CHOICE_NAME);
            }
            out
        }
        Some(9) => check_modal(&body["data"]),
        _ => Vec::new(),
    }
}

/// Checks a bulk command registration body (an array of application commands).
pub fn check_commands(commands: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn check_one(c: &Value, out: &mut Vec<String>, prefix: &str) {
        let name = c["name"].as_str().unwrap_or("");
        let path = format!("{prefix}{name}");
        over(out, &format!("command `{path}` name"), name.chars().count(), COMMAND_NAME);
        let desc = chars(&c["description"]);
        // Context-menu commands (type 2, 3) have no description.
        if c["type"].as_u64().unwrap_or(1) == 1 && desc == 0 {
            out.push(format!("command `{path}` has an empty description"));
        }
        over(out, &format!("command `{path}` description"), desc, COMMAND_DESCRIPTION);
        if let Some(opts) = c["options"].as_array() {
            over(out, &format!("command `{path}` options"), opts.len(), COMMAND_OPTIONS);
            for o in opts {
                check_one(o, out, &format!("{path} "));
                if let Some(choices) = o["choices"].as_array() {
                    over(out, &format!("`{path}` choices"), choices.len(), CHOICES);
                }
            }
        }
    }
    for c in commands.as_array().map(Vec::as_slice).unwrap_or(&[]) {
        check_one(c, &mut out, "");
    }
    out
}

/// What a member typed into an autocomplete option is matched on its first this many
/// characters only (fuzzy matching is never run on a huge input).
pub const AUTOCOMPLETE_INPUT: usize = 100;

/// The part of an autocomplete input that is matched: its first [`AUTOCOMPLETE_INPUT`]
/// characters.
pub fn autocomplete_input(typed: &str) -> &str {
    match typed.char_indices().nth(AUTOCOMPLETE_INPUT) {
        Some((at, _)) => &typed[..at],
        None => typed,
    }
}

/// `text` cut to at most `max` characters, ending in "…" when it was cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flags_every_kind_of_overflow() {
        let long = "x".repeat(2001);
        let msg = json!({
            "content": long,
            "embeds": [{"title": "t".repeat(257), "fields": [{"name": "n", "value": "v".repeat(1025)}]}],
            "components": [{"type": 1, "components": [{"type": 2, "label": "l".repeat(81), "custom_id": "c"}]}]
        });
        let v = check_message(&msg);
        assert_eq!(v.len(), 4, "{v:?}");
        assert!(check_message(&json!({"content": "ok"})).is_empty());
    }

    #[test]
    fn total_embed_size_is_checked() {
        let e = json!({"description": "d".repeat(4000)});
        let v = check_message(&json!({"embeds": [e.clone(), e]}));
        assert!(v.iter().any(|s| s.contains("all embeds together")), "{v:?}");
    }

    #[test]
    fn autocomplete_and_modal_limits() {
        let choices: Vec<_> = (0..26).map(|i| json!({"name": i.to_string(), "value": "x"})).collect();
        assert_eq!(check_interaction_response(&json!({"type": 8, "data": {"choices": choices}})).len(), 1);
        let rows: Vec<_> =
            (0..6).map(|_| json!({"type": 1, "components": [{"type": 4, "label": "ok", "custom_id": "a"}]})).collect();
        assert_eq!(check_modal(&json!({"title": "t", "custom_id": "m", "components": rows})).len(), 1);
    }
}
