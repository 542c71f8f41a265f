//! The REST API: routing, rate-limit headers, injected faults, bodies checked against
//! Discord's limits, channels, messages, threads, guilds and commands.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use studybot::limits;

use crate::{gateway::*, guild::*, interactions::*, records::*, state::*};

// HTTP app
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
pub(crate) struct Ctx {
    pub(crate) inner: Arc<Inner>,
    pub(crate) tls: bool,
}

pub(crate) fn app(ctx: Ctx) -> Router {
    Router::new().route("/ws", get(ws_upgrade)).route("/ws/", get(ws_upgrade)).fallback(rest).with_state(ctx)
}

/// A REST outcome.
pub(crate) enum Out {
    Json(StatusCode, Value),
    NoContent,
    Err(StatusCode, u64, String),
    /// 400 / 50035 plus a recorded violation.
    Invalid(Vec<String>),
    /// Unknown route.
    Unhandled,
}

pub(crate) fn err(status: u16, code: u64, msg: &str) -> Out {
    Out::Err(StatusCode::from_u16(status).unwrap(), code, msg.into())
}
pub(crate) fn ok(v: Value) -> Out {
    Out::Json(StatusCode::OK, v)
}

pub(crate) const INTERESTING_HEADERS: &[&str] =
    &["content-type", "user-agent", "x-audit-log-reason", "host", "authorization"];

pub(crate) async fn rest(State(ctx): State<Ctx>, req: Request) -> Response {
    let inner = ctx.inner.clone();
    let cfg = &inner.cfg;
    let method = req.method().as_str().to_string();
    let uri = req.uri().clone();
    let headers = req.headers().clone();
    let body = axum::body::to_bytes(req.into_body(), 64 * 1024 * 1024).await.unwrap_or_default();

    let full_path = uri.path().to_string();
    let path = full_path.strip_prefix("/api/v10").unwrap_or(&full_path).to_string();
    let query = uri.query().map(String::from);

    let mut rec_headers = BTreeMap::new();
    for h in INTERESTING_HEADERS {
        if let Some(v) = headers.get(*h).and_then(|v| v.to_str().ok()) {
            let v = if *h == "authorization" { v.replace(cfg.token.as_str(), "<token>") } else { v.to_string() };
            rec_headers.insert(h.to_string(), v);
        }
    }
    let (json_body, files) = parse_body(&headers, &body);

    let mut rec = Recorded {
        at: Instant::now(),
        method: method.clone(),
        path: path.clone(),
        query: query.clone(),
        headers: rec_headers,
        body: json_body.clone(),
        files: files.clone(),
        status: 0,
        response: Value::Null,
        tls: ctx.tls,
    };

    // Auth: a wrong token is always refused; a missing one only where Discord needs it.
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    let expected = format!("Bot {}", cfg.token);
    let public = path.starts_with("/webhooks/") || path.starts_with("/interactions/") || path == "/gateway";
    let auth_ok = match auth {
        Some(a) => a == expected || a == cfg.token,
        None => public,
    };

    let segs: Vec<String> = path.trim_matches('/').split('/').map(String::from).collect();
    let seg: Vec<&str> = segs.iter().map(String::as_str).collect();

    let message_to = match (method.as_str(), seg.as_slice()) {
        ("POST", ["channels", id, "messages"]) => parse_id(id),
        _ => None,
    };
    let latency = {
        let st = inner.st.lock().unwrap_or_else(|e| e.into_inner());
        st.latency
    };
    let mut fault_resp: Option<Response> = None;
    let out = {
        let mut st = inner.st.lock().unwrap_or_else(|e| e.into_inner());
        let over_budget = st.limits.as_mut().and_then(|l| l.admit(Instant::now(), &path, message_to));
        if !auth_ok {
            err(401, 0, "401: Unauthorized")
        } else if let Some(kind) = over_budget
            .map(|retry_after| FaultKind::RateLimit { retry_after, global: message_to.is_none() })
            .or_else(|| take_fault(&mut st, &method, &path, &json_body))
        {
            if matches!(kind, FaultKind::LostAnswer) {
                // Carried out for real; only the answer is lost.
                let _ = route(&inner, &mut st, &method, &seg, query.as_deref(), &json_body, &files);
            }
            let (resp, status, body) = fault_response(&kind, &path);
            match status {
                429 => st.count_429 += 1,
                s if s >= 500 => st.count_5xx += 1,
                _ => {}
            }
            rec.status = status;
            rec.response = body;
            fault_resp = Some(resp);
            Out::NoContent
        } else {
            route(&inner, &mut st, &method, &seg, query.as_deref(), &json_body, &files)
        }
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if let Some(resp) = fault_resp {
        let mut st = inner.st.lock().unwrap_or_else(|e| e.into_inner());
        st.requests.push(rec);
        drop(st);
        inner.bump();
        return resp;
    }

    let (status, resp_body, unhandled) = match out {
        Out::Json(s, v) => (s, Some(v), false),
        Out::NoContent => (StatusCode::NO_CONTENT, None, false),
        Out::Err(s, code, msg) => (s, Some(json!({"message": msg, "code": code})), false),
        Out::Invalid(problems) => {
            let mut st = inner.st.lock().unwrap_or_else(|e| e.into_inner());
            st.violations.push(Violation {
                method: method.clone(),
                path: path.clone(),
                problems,
                body: json_body.clone(),
            });
            (StatusCode::BAD_REQUEST, Some(json!({"message": "Invalid Form Body", "code": 50035})), false)
        }
        Out::Unhandled => (StatusCode::NOT_FOUND, Some(json!({"message": "404: Not Found", "code": 0})), true),
    };
    rec.status = status.as_u16();
    rec.response = resp_body.clone().unwrap_or(Value::Null);
    {
        let mut st = inner.st.lock().unwrap_or_else(|e| e.into_inner());
        if unhandled {
            st.unhandled.push(rec.clone());
        }
        st.requests.push(rec);
    }
    inner.bump();

    let mut resp = match resp_body {
        Some(v) => (status, axum::Json(v)).into_response(),
        None => status.into_response(),
    };
    add_ratelimit_headers(resp.headers_mut(), &path, 5, 4, 1.0);
    resp
}

pub(crate) fn bucket_of(path: &str) -> String {
    let segs: Vec<&str> = path.trim_matches('/').split('/').take(2).collect();
    format!("fake-{}", segs.join("-").replace('@', ""))
}

pub(crate) fn add_ratelimit_headers(h: &mut HeaderMap, path: &str, limit: u32, remaining: u32, reset_after: f64) {
    let reset = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64() + reset_after;
    let mut put = |k: &'static str, v: String| {
        h.insert(HeaderName::from_static(k), HeaderValue::from_str(&v).unwrap());
    };
    put("x-ratelimit-limit", limit.to_string());
    put("x-ratelimit-remaining", remaining.to_string());
    put("x-ratelimit-reset", format!("{reset:.3}"));
    put("x-ratelimit-reset-after", format!("{reset_after:.3}"));
    put("x-ratelimit-bucket", bucket_of(path));
}

pub(crate) fn take_fault(st: &mut St, method: &str, path: &str, body: &Value) -> Option<FaultKind> {
    let f = st.faults.iter_mut().find(|f| {
        f.remaining > 0
            && f.method.as_deref().is_none_or(|m| m == method)
            && path.starts_with(&f.path_prefix)
            && f.nonce.as_deref().is_none_or(|n| body["nonce"].as_str() == Some(n))
    })?;
    f.remaining -= 1;
    let kind = f.kind.clone();
    st.faults.retain(|f| f.remaining > 0);
    Some(kind)
}

pub(crate) fn fault_response(kind: &FaultKind, path: &str) -> (Response, u16, Value) {
    match kind {
        FaultKind::RateLimit { retry_after, global } => {
            let body = json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": global});
            let mut resp = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body.clone())).into_response();
            let h = resp.headers_mut();
            add_ratelimit_headers(h, path, 5, 0, *retry_after);
            h.insert("retry-after", HeaderValue::from_str(&format!("{retry_after}")).unwrap());
            h.insert("x-ratelimit-scope", HeaderValue::from_static(if *global { "global" } else { "user" }));
            if *global {
                h.insert("x-ratelimit-global", HeaderValue::from_static("true"));
            }
            (resp, 429, body)
        }
        FaultKind::Drop => {
            // A body that fails after the headers: hyper aborts the connection.
            let broken = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped by the fake"))
            });
            let mut resp = Response::new(axum::body::Body::from_stream(broken));
            resp.headers_mut().insert("content-length", HeaderValue::from_static("100"));
            (resp, 0, Value::Null)
        }
        FaultKind::LostAnswer => {
            let body = json!({"message": "502: Bad Gateway", "code": 0});
            ((StatusCode::BAD_GATEWAY, axum::Json(body.clone())).into_response(), 502, body)
        }
        FaultKind::ServerError { status } => {
            let body = json!({"message": "500: Internal Server Error", "code": 0});
            let s = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            ((s, axum::Json(body.clone())).into_response(), *status, body)
        }
    }
}

/// JSON body, or multipart `payload_json` + file parts.
pub(crate) fn parse_body(headers: &HeaderMap, body: &Bytes) -> (Value, Vec<FilePart>) {
    let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if let Some(b) = ct.split(';').map(str::trim).find_map(|p| p.strip_prefix("boundary=")) {
        let boundary = b.trim_matches('"');
        let parts = parse_multipart(body, boundary);
        let mut json_body = Value::Null;
        let mut files = vec![];
        for p in parts {
            if p.field == "payload_json" {
                json_body = serde_json::from_slice(&p.bytes).unwrap_or(Value::Null);
            } else if p.filename.is_some() {
                files.push(p);
            } else if json_body.is_null() || json_body.is_object() {
                // Plain text fields (serenity's `Multipart::fields`).
                let mut o = json_body.as_object().cloned().unwrap_or_default();
                o.insert(p.field.clone(), Value::String(String::from_utf8_lossy(&p.bytes).into()));
                json_body = Value::Object(o);
            }
        }
        return (json_body, files);
    }
    if body.is_empty() {
        return (Value::Null, vec![]);
    }
    (serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into())), vec![])
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub(crate) fn parse_multipart(body: &[u8], boundary: &str) -> Vec<FilePart> {
    let mut data = b"\r\n".to_vec();
    data.extend_from_slice(body);
    let delim = format!("\r\n--{boundary}").into_bytes();
    let mut out = vec![];
    let mut rest: &[u8] = &data;
    // Skip the preamble.
    let Some(first) = find(rest, &delim) else {
        return out;
    };
    rest = &rest[first + delim.len()..];
    loop {
        if rest.starts_with(b"--") {
            break;
        }
        let Some(end) = find(rest, &delim) else { break };
        let part = &rest[..end];
        rest = &rest[end + delim.len()..];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let Some(hend) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..hend]).to_string();
        let content = part[hend + 4..].to_vec();
        let mut field = String::new();
        let mut filename = None;
        let mut content_type = None;
        for line in head.lines() {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition:") {
                for item in line.split(';').map(str::trim) {
                    if let Some(v) = item.strip_prefix("name=") {
                        field = v.trim_matches('"').to_string();
                    } else if let Some(v) = item.strip_prefix("filename=") {
                        filename = Some(v.trim_matches('"').to_string());
                    }
                }
            } else if lower.starts_with("content-type:") {
                content_type = Some(line["content-type:".len()..].trim().to_string());
            }
        }
        out.push(FilePart { field, filename, content_type, bytes: content });
    }
    out
}

pub(crate) fn query_param<'a>(query: Option<&'a str>, key: &str) -> Option<&'a str> {
    query?.split('&').filter(|p| !p.is_empty()).find_map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (k == key).then_some(v)
    })
}

pub(crate) fn route(
    inner: &Inner,
    st: &mut St,
    method: &str,
    seg: &[&str],
    query: Option<&str>,
    body: &Value,
    files: &[FilePart],
) -> Out {
    let cfg = &inner.cfg;
    let remaining = st.identifies_left.unwrap_or(1000);
    let gw = || {
        json!({"url": format!("ws://127.0.0.1:{}/ws", cfg.port), "shards": cfg.shards,
               "session_start_limit": {"total": 1000, "remaining": remaining, "reset_after": 14_400_000, "max_concurrency": 1}})
    };
    match (method, seg) {
        ("GET", ["gateway"]) => ok(json!({"url": format!("ws://127.0.0.1:{}/ws", cfg.port)})),
        ("GET", ["gateway", "bot"]) => ok(gw()),

        // ----- users -----
        ("GET", ["users", "@me"]) => {
            let mut u = user_json(cfg.bot_id, &cfg.bot_name, true);
            u["verified"] = json!(true);
            u["mfa_enabled"] = json!(false);
            u["flags"] = json!(0);
            u["locale"] = json!("en-US");
            ok(u)
        }
        ("GET", ["users", "@me", "guilds"]) => ok(json!(
            st.guilds
                .iter()
                .map(|g| json!({"id": g.id.to_string(), "name": g.name, "icon": null, "owner": false,
                            "permissions": perms::EVERYONE.to_string(), "features": []}))
                .collect::<Vec<_>>()
        )),
        ("POST", ["users", "@me", "channels"]) => {
            // Discord: opening DM channels too fast is refused with 40003.
            if let Some((n, window)) = st.dm_open_limit {
                let now = Instant::now();
                st.dm_opens.retain(|t| now.duration_since(*t) < window);
                if st.dm_opens.len() >= n {
                    return err(400, 40003, "You are opening direct messages too fast.");
                }
                st.dm_opens.push(now);
            }
            let Some(uid) = body["recipient_id"].as_str().and_then(parse_id).or(body["recipient_id"].as_u64()) else {
                return err(400, 50035, "Invalid Form Body");
            };
            let ch = st.dm_channel_for(uid);
            let c = st.channels[&ch].clone();
            ok(st.chan_json(cfg, &c))
        }
        ("GET", ["users", uid]) => match parse_id(uid) {
            Some(id) => ok(st.user_json(cfg, id)),
            None => err(404, 10013, "Unknown User"),
        },

        // ----- application -----
        ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]) => {
            let owner = st.guilds.first().map(|g| g.owner_id).unwrap_or(defaults::ALICE);
            ok(st.application_json(cfg, owner))
        }
        (m, ["applications", app, rest @ ..])
            if rest.first() == Some(&"commands") || rest.get(2) == Some(&"commands") =>
        {
            if parse_id(app) != Some(cfg.app_id) {
                return err(403, 50001, "Missing Access");
            }
            let (scope, tail): (Option<u64>, &[&str]) = match rest {
                ["guilds", g, "commands", tail @ ..] => match parse_id(g).and_then(|g| st.guild(g)) {
                    // Discord: an app without the applications.commands scope in the guild.
                    Some(spec) if !spec.commands_scope => return err(403, 50001, "Missing Access"),
                    Some(spec) => (Some(spec.id), tail),
                    None => return err(404, 10004, "Unknown Guild"),
                },
                ["commands", tail @ ..] => (None, tail),
                _ => return Out::Unhandled,
            };
            commands_route(cfg, st, m, scope, tail, body)
        }

        // ----- interactions & webhooks -----
        ("POST", ["interactions", iid, token, "callback"]) => callback_route(cfg, st, iid, token, body, files),
        (m, ["webhooks", app, token, rest @ ..]) => webhook_route(cfg, st, m, app, token, rest, body, files),

        // ----- channels -----
        (m, ["channels", cid, rest @ ..]) => {
            let Some(cid) = parse_id(cid) else {
                return err(404, 10003, "Unknown Channel");
            };
            channel_route(inner, st, m, cid, rest, query, body, files)
        }

        // ----- guilds -----
        (m, ["guilds", gid, "scheduled-events", rest @ ..]) => {
            let Some(g) = parse_id(gid).and_then(|g| st.guild(g)).cloned() else {
                return err(404, 10004, "Unknown Guild");
            };
            crate::events::route(cfg, st, m, &g, rest, query, body)
        }
        (m, ["guilds", gid, rest @ ..]) => {
            let Some(g) = parse_id(gid).and_then(|g| st.guild(g)).cloned() else {
                return err(404, 10004, "Unknown Guild");
            };
            guild_route(cfg, st, m, &g, rest, query)
        }
        _ => Out::Unhandled,
    }
}

pub(crate) fn commands_route(
    cfg: &Cfg,
    st: &mut St,
    method: &str,
    scope: Option<u64>,
    tail: &[&str],
    body: &Value,
) -> Out {
    let stamp = |st: &mut St, c: &Value, id: Option<u64>| -> Value {
        let id = id.unwrap_or_else(|| st.next_id());
        let mut c = c.clone();
        let o = c.as_object_mut().unwrap();
        o.insert("id".into(), json!(id.to_string()));
        o.insert("application_id".into(), json!(cfg.app_id.to_string()));
        o.insert("version".into(), json!(id.to_string()));
        o.entry("type").or_insert(json!(1));
        o.entry("description").or_insert(json!(""));
        o.entry("options").or_insert(json!([]));
        o.entry("nsfw").or_insert(json!(false));
        o.entry("default_member_permissions").or_insert(Value::Null);
        if let Some(g) = scope {
            o.insert("guild_id".into(), json!(g.to_string()));
        }
        c
    };
    match (method, tail) {
        ("GET", []) => ok(json!(st.commands.get(&scope).cloned().unwrap_or_default())),
        ("PUT", []) => {
            if !body.is_array() {
                return err(400, 50035, "Invalid Form Body");
            }
            let problems = limits::check_commands(body);
            if !problems.is_empty() {
                return Out::Invalid(problems);
            }
            let old = st.commands.get(&scope).cloned().unwrap_or_default();
            let mut new = vec![];
            for c in body.as_array().unwrap() {
                let keep = old.iter().find(|o| o["name"] == c["name"]).map(id_of);
                new.push(stamp(st, c, keep));
            }
            st.commands.insert(scope, new.clone());
            st.last_commands_put = Some(body.clone());
            ok(json!(new))
        }
        ("POST", []) => {
            let problems = limits::check_commands(&json!([body]));
            if !problems.is_empty() {
                return Out::Invalid(problems);
            }
            let list = st.commands.entry(scope).or_default().clone();
            let keep = list.iter().find(|o| o["name"] == body["name"]).map(id_of);
            let c = stamp(st, body, keep);
            let list = st.commands.entry(scope).or_default();
            list.retain(|o| o["name"] != c["name"]);
            list.push(c.clone());
            Out::Json(if keep.is_some() { StatusCode::OK } else { StatusCode::CREATED }, c)
        }
        (m, [cid]) => {
            let Some(cid) = parse_id(cid) else {
                return err(404, 10063, "Unknown application command");
            };
            let list = st.commands.entry(scope).or_default();
            let Some(pos) = list.iter().position(|c| id_of(c) == cid) else {
                return err(404, 10063, "Unknown application command");
            };
            match m {
                "GET" => ok(list[pos].clone()),
                "DELETE" => {
                    list.remove(pos);
                    Out::NoContent
                }
                "PATCH" => {
                    let mut merged = list[pos].clone();
                    for (k, v) in body.as_object().cloned().unwrap_or_default() {
                        merged[k] = v;
                    }
                    let problems = limits::check_commands(&json!([merged]));
                    if !problems.is_empty() {
                        return Out::Invalid(problems);
                    }
                    list[pos] = merged.clone();
                    ok(merged)
                }
                _ => Out::Unhandled,
            }
        }
        _ => Out::Unhandled,
    }
}

/// Builds a message object and stores it.
pub(crate) fn create_message(
    cfg: &Cfg,
    st: &mut St,
    channel_id: u64,
    body: &Value,
    files: &[FilePart],
    flags: u64,
    origin: Origin,
) -> Value {
    let id = st.next_id();
    let guild_id = st.channels.get(&channel_id).and_then(|c| c.guild_id);
    let attachments = make_attachments(st, channel_id, body, files, &[]);
    let mut m = json!({
        "id": id.to_string(), "channel_id": channel_id.to_string(),
        "author": user_json(cfg.bot_id, &cfg.bot_name, true),
        "content": body["content"].as_str().unwrap_or(""),
        "timestamp": now_ts(), "edited_timestamp": null,
        "tts": body["tts"].as_bool().unwrap_or(false), "mention_everyone": false,
        "mentions": [], "mention_roles": [], "attachments": attachments,
        "embeds": body["embeds"].as_array().cloned().unwrap_or_default(),
        "components": body["components"].as_array().cloned().unwrap_or_default(),
        "reactions": [], "pinned": false, "type": 0, "flags": flags,
    });
    let o = m.as_object_mut().unwrap();
    if let Some(g) = guild_id {
        o.insert("guild_id".into(), json!(g.to_string()));
    }
    if !body["nonce"].is_null() {
        o.insert("nonce".into(), body["nonce"].clone());
    }
    if body["message_reference"].is_object() {
        let mut r = body["message_reference"].clone();
        if r["channel_id"].is_null() {
            r["channel_id"] = json!(channel_id.to_string());
        }
        o.insert("type".into(), json!(19));
        o.insert("message_reference".into(), r);
    }
    if let Origin::Interaction(_) = &origin {
        o.insert("webhook_id".into(), json!(cfg.app_id.to_string()));
        o.insert("application_id".into(), json!(cfg.app_id.to_string()));
    }
    st.store_message(channel_id, m.clone(), origin);
    m
}

pub(crate) fn make_attachments(
    st: &mut St,
    channel_id: u64,
    body: &Value,
    files: &[FilePart],
    existing: &[Value],
) -> Vec<Value> {
    let mut out = vec![];
    // On edits, `attachments` lists what to keep (existing ones by their id).
    if let Some(list) = body["attachments"].as_array() {
        for a in list {
            if let Some(e) = existing.iter().find(|e| e["id"] == a["id"] || e["id"].as_str() == a["id"].as_str()) {
                out.push(e.clone());
            }
        }
    } else {
        out.extend(existing.iter().cloned());
    }
    for f in files {
        let Some(name) = &f.filename else { continue };
        let idx = f.field.strip_prefix("files[").and_then(|s| s.strip_suffix(']')).and_then(|s| s.parse::<u64>().ok());
        let meta = body["attachments"]
            .as_array()
            .and_then(|l| {
                l.iter().find(|a| {
                    a["id"].as_u64() == idx && idx.is_some()
                        || a["id"].as_str().and_then(parse_id) == idx && idx.is_some()
                })
            })
            .cloned()
            .unwrap_or(Value::Null);
        let filename = meta["filename"].as_str().unwrap_or(name).to_string();
        let id = st.next_id();
        let url = format!("https://cdn.discordapp.com/attachments/{channel_id}/{id}/{filename}");
        let mut a = json!({"id": id.to_string(), "filename": filename, "size": f.bytes.len(),
                           "url": url, "proxy_url": url});
        if let Some(ct) = &f.content_type {
            a["content_type"] = json!(ct);
        }
        if let Some(d) = meta["description"].as_str() {
            a["description"] = json!(d);
        }
        out.push(a);
    }
    out
}

/// Applies an edit body to a stored message object.
pub(crate) fn apply_edit(st: &mut St, msg: &mut Value, body: &Value, files: &[FilePart]) {
    let channel_id = id_of(&json!({"id": msg["channel_id"]}));
    for k in ["content", "embeds", "components", "flags", "allowed_mentions"] {
        if let Some(v) = body.get(k) {
            if k == "allowed_mentions" {
                continue;
            }
            msg[k] = match (k, v) {
                ("content", Value::Null) => json!(""),
                ("embeds" | "components", Value::Null) => json!([]),
                _ => v.clone(),
            };
        }
    }
    if body.get("attachments").is_some() || !files.is_empty() {
        let existing = msg["attachments"].as_array().cloned().unwrap_or_default();
        msg["attachments"] = json!(make_attachments(st, channel_id, body, files, &existing));
    }
    msg["edited_timestamp"] = json!(now_ts());
}

pub(crate) fn check_or_invalid(problems: Vec<String>) -> Result<(), Out> {
    if problems.is_empty() { Ok(()) } else { Err(Out::Invalid(problems)) }
}

/// Records a violation when a message body with content or embeds sets no
/// `allowed_mentions` (once `FakeDiscord::require_allowed_mentions` was called): a bot should
/// say who may be pinged on every body it sends, or Discord pings whatever the text mentions.
pub(crate) fn require_mentions(st: &mut St, method: &str, path: String, body: &Value) {
    if !st.require_mentions {
        return;
    }
    let has_text = body["content"].as_str().is_some_and(|c| !c.is_empty())
        || body["embeds"].as_array().is_some_and(|e| !e.is_empty());
    if has_text && !body["allowed_mentions"].is_object() {
        violation(st, method, path, "a message body without allowed_mentions", body);
    }
}

pub(crate) fn violation(st: &mut St, method: &str, path: String, problem: &str, body: &Value) {
    st.violations.push(Violation { method: method.into(), path, problems: vec![problem.into()], body: body.clone() });
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn channel_route(
    inner: &Inner,
    st: &mut St,
    method: &str,
    cid: u64,
    rest: &[&str],
    query: Option<&str>,
    body: &Value,
    files: &[FilePart],
) -> Out {
    let cfg = &inner.cfg;
    let Some(chan) = st.channels.get(&cid).cloned() else {
        return err(404, 10003, "Unknown Channel");
    };
    if chan.guild_id.is_some_and(|g| st.removed_guilds.contains(&g)) {
        return err(403, 50001, "Missing Access");
    }
    match (method, rest) {
        // Discord: a channel the bot cannot view is 403 / 50001, even to read.
        ("GET", []) if st.bot_permissions(cfg, &chan) & perms::VIEW_CHANNEL == 0 => err(403, 50001, "Missing Access"),
        ("GET", []) => ok(st.chan_json(cfg, &chan)),
        ("POST", ["messages"]) => {
            let can = st.bot_permissions(cfg, &chan);
            if can & perms::VIEW_CHANNEL == 0 {
                return err(403, 50001, "Missing Access");
            }
            let send =
                if matches!(chan.kind, 10..=12) { perms::SEND_MESSAGES_IN_THREADS } else { perms::SEND_MESSAGES };
            if can & send == 0 || (!files.is_empty() && can & perms::ATTACH_FILES == 0) {
                return err(403, 50013, "Missing Permissions");
            }
            // Discord: without Embed Links the message is sent, its embeds silently dropped.
            let stripped;
            let body = if can & perms::EMBED_LINKS == 0 && body["embeds"].as_array().is_some_and(|e| !e.is_empty()) {
                stripped = {
                    let mut b = body.clone();
                    b["embeds"] = json!([]);
                    b
                };
                &stripped
            } else {
                body
            };
            if let Some(u) = chan.recipient
                && st.dm_closed.contains(&u)
            {
                return err(403, 50007, "Cannot send messages to this user");
            }
            if matches!(chan.kind, 4 | 15) {
                return err(400, 50008, "Cannot send messages in a non-text channel");
            }
            let empty = body["content"].as_str().unwrap_or("").is_empty()
                && body["embeds"].as_array().is_none_or(|e| e.is_empty())
                && body["components"].as_array().is_none_or(|e| e.is_empty())
                && body["sticker_ids"].as_array().is_none_or(|e| e.is_empty())
                && body["poll"].is_null()
                && files.is_empty();
            if empty {
                violation(st, "POST", format!("/channels/{cid}/messages"), "empty message (Discord: 50006)", body);
                return err(400, 50006, "Cannot send an empty message");
            }
            if let Err(o) = check_or_invalid(limits::check_message(body)) {
                return o;
            }
            require_mentions(st, "POST", format!("/channels/{cid}/messages"), body);
            let nonce = match &body["nonce"] {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            if let Some(n) = &nonce
                && n.chars().count() > 25
            {
                let problem = format!("nonce is {} long, the limit is 25", n.chars().count());
                return Out::Invalid(vec![problem]);
            }
            // Discord: with enforce_nonce, a nonce reused in this channel within a few minutes
            // returns the message created the first time.
            if let Some(n) = &nonce
                && body["enforce_nonce"].as_bool() == Some(true)
                && let Some((mid, at)) = st.nonces.get(&(cid, n.clone()))
                && at.elapsed() < cfg.nonce_window
                && let Some(s) = st.messages.get(mid)
            {
                return ok(s.msg.clone());
            }
            let flags = body["flags"].as_u64().unwrap_or(0) & (4 | 4096);
            let m = create_message(cfg, st, cid, body, files, flags, Origin::Channel);
            if let Some(n) = nonce {
                st.nonces.insert((cid, n), (id_of(&m), Instant::now()));
            }
            ok(m)
        }
        ("GET", ["messages"]) => {
            let can = st.bot_permissions(cfg, &chan);
            if can & perms::VIEW_CHANNEL == 0 {
                return err(403, 50001, "Missing Access");
            }
            // Discord: without Read Message History no messages are returned.
            if can & perms::READ_MESSAGE_HISTORY == 0 {
                return ok(json!([]));
            }
            let limit = query_param(query, "limit").and_then(|l| l.parse().ok()).unwrap_or(50usize).min(100);
            let before = query_param(query, "before").and_then(parse_id);
            let after = query_param(query, "after").and_then(parse_id);
            let mut all: Vec<Value> = st
                .visible_in(cid)
                .into_iter()
                .filter(|m| before.is_none_or(|b| id_of(m) < b) && after.is_none_or(|a| id_of(m) > a))
                .map(|mut m| {
                    // Like Discord: a message a thread was started from carries that thread.
                    if let Some(t) = st.threads.iter().find(|t| t["id"] == m["id"]) {
                        m["thread"] = t.clone();
                    }
                    m
                })
                .collect();
            all.reverse(); // newest first, like Discord
            all.truncate(limit);
            ok(json!(all))
        }
        (m, ["messages", mid]) => {
            let Some(mid) = parse_id(mid) else {
                return err(404, 10008, "Unknown Message");
            };
            let Some(stored) = st.messages.get(&mid).filter(|s| s.channel_id == cid && !s.deleted).cloned() else {
                return err(404, 10008, "Unknown Message");
            };
            match m {
                "GET" => ok(stored.msg),
                "PATCH" => {
                    if let Err(o) = check_or_invalid(limits::check_message(body)) {
                        return o;
                    }
                    require_mentions(st, "PATCH", format!("/channels/{cid}/messages/{mid}"), body);
                    let mut msg = stored.msg;
                    apply_edit(st, &mut msg, body, files);
                    st.messages.get_mut(&mid).unwrap().msg = msg.clone();
                    ok(msg)
                }
                "DELETE" => {
                    st.messages.get_mut(&mid).unwrap().deleted = true;
                    Out::NoContent
                }
                _ => Out::Unhandled,
            }
        }
        ("POST", ["messages", mid, "threads"]) => {
            let Some(mid) = parse_id(mid).filter(|m| st.messages.get(m).is_some_and(|s| s.channel_id == cid)) else {
                return err(404, 10008, "Unknown Message");
            };
            if st.bot_permissions(cfg, &chan) & perms::CREATE_PUBLIC_THREADS == 0 {
                return err(403, 50013, "Missing Permissions");
            }
            if st.channels.contains_key(&mid) {
                return err(400, 160004, "A thread has already been created for this message");
            }
            let kind = if chan.kind == 5 { 10 } else { 11 };
            ok(create_thread(cfg, st, &chan, mid, kind, body))
        }
        ("POST", ["threads"]) => {
            if chan.kind == 15 {
                // Forum post: the thread comes with its starter message.
                let msg_body = body["message"].clone();
                if let Err(o) = check_or_invalid(limits::check_message(&msg_body)) {
                    return o;
                }
                let tid = st.next_id();
                let mut t = create_thread(cfg, st, &chan, tid, 11, body);
                let m = create_message(cfg, st, tid, &msg_body, files, 0, Origin::Channel);
                // A forum starter message has the thread's id.
                let old = id_of(&m);
                let mut m2 = m.clone();
                m2["id"] = json!(tid.to_string());
                if let Some(s) = st.messages.remove(&old) {
                    st.messages.insert(tid, StoredMsg { msg: m2.clone(), ..s });
                }
                t["message"] = m2;
                if let Some(last) = st.threads.last_mut() {
                    *last = t.clone();
                }
                ok(t)
            } else {
                // Start Thread without Message: type 12 (private, the default) needs Create
                // Private Threads and a text channel; 11 Create Public Threads.
                let kind = body["type"].as_u64().unwrap_or(12) as u8;
                let can = st.bot_permissions(cfg, &chan);
                if can & perms::VIEW_CHANNEL == 0 {
                    return err(403, 50001, "Missing Access");
                }
                let need = match kind {
                    12 if chan.kind == 0 => perms::CREATE_PRIVATE_THREADS,
                    12 => return Out::Invalid(vec!["type: private threads are only in text channels".into()]),
                    10 | 11 => perms::CREATE_PUBLIC_THREADS,
                    _ => return Out::Invalid(vec![format!("type: {kind} is not a thread type")]),
                };
                if can & need == 0 {
                    return err(403, 50013, "Missing Permissions");
                }
                let name = body["name"].as_str().unwrap_or("");
                if !(1..=100).contains(&name.chars().count()) {
                    return Out::Invalid(vec!["name: must be 1 to 100 characters".into()]);
                }
                if let Some(d) = body.get("auto_archive_duration").filter(|d| !d.is_null())
                    && !matches!(d.as_u64(), Some(60 | 1440 | 4320 | 10080))
                {
                    return Out::Invalid(vec!["auto_archive_duration: must be 60, 1440, 4320 or 10080".into()]);
                }
                let tid = st.next_id();
                // `invitable` is for private threads only (default true).
                let invitable = kind != 12 || body["invitable"].as_bool().unwrap_or(true);
                let members = [cfg.bot_id].into_iter().collect();
                st.thread_state.insert(tid, crate::state::ThreadState { members, archived: false, invitable });
                let v = create_thread(cfg, st, &chan, tid, kind, body);
                ok(v)
            }
        }
        ("POST", ["typing"]) => Out::NoContent,
        ("PUT" | "DELETE", ["pins", _]) | ("PUT" | "DELETE", ["messages", "pins", _]) => Out::NoContent,
        ("PUT" | "DELETE", ["messages", _, "reactions", ..]) => Out::NoContent,
        (m, ["thread-members", user]) if matches!(chan.kind, 10..=12) && m != "GET" => {
            let user = if *user == "@me" { Some(cfg.bot_id) } else { parse_id(user) };
            let Some(user) = user else { return err(404, 10013, "Unknown User") };
            let can = st.bot_permissions(cfg, &chan);
            let t = st.thread_state.entry(cid).or_insert_with(|| crate::state::ThreadState {
                members: [cfg.bot_id].into_iter().collect(),
                archived: false,
                invitable: true,
            });
            if t.archived {
                return err(400, 50083, "Thread is archived");
            }
            match m {
                "PUT" => {
                    // Adding someone needs the ability to send messages in the thread; they must
                    // be in the server.
                    if can & perms::SEND_MESSAGES_IN_THREADS == 0 {
                        return err(403, 50013, "Missing Permissions");
                    }
                    let in_guild = user == cfg.bot_id
                        || chan
                            .guild_id
                            .and_then(|g| st.guild(g))
                            .is_some_and(|g| g.members.iter().any(|mm| mm.user_id == user));
                    if !in_guild {
                        return err(404, 10007, "Unknown Member");
                    }
                    st.thread_state.get_mut(&cid).expect("inserted above").members.insert(user);
                    Out::NoContent
                }
                "DELETE" => {
                    // Removing another member: Manage Threads, or the creator of a private thread.
                    let creator = chan.kind == 12 && chan.owner_id == Some(cfg.bot_id);
                    if user != cfg.bot_id && can & perms::MANAGE_THREADS == 0 && !creator {
                        return err(403, 50013, "Missing Permissions");
                    }
                    t.members.remove(&user);
                    Out::NoContent
                }
                _ => Out::Unhandled,
            }
        }
        ("PUT" | "DELETE", ["thread-members", _]) => err(400, 50024, "Cannot execute action on this channel type"),
        ("GET", ["thread-members"]) if matches!(chan.kind, 10..=12) => {
            let members: Vec<u64> =
                st.thread_state.get(&cid).map(|t| t.members.iter().copied().collect()).unwrap_or_default();
            let list: Vec<Value> = members
                .into_iter()
                .map(|u| json!({"id": cid.to_string(), "user_id": u.to_string(), "join_timestamp": now_ts(), "flags": 0}))
                .collect();
            ok(json!(list))
        }
        ("GET", ["thread-members", user]) if matches!(chan.kind, 10..=12) => {
            let Some(user) = parse_id(user) else { return err(404, 10013, "Unknown User") };
            if st.thread_state.get(&cid).is_some_and(|t| t.members.contains(&user)) {
                ok(json!({"id": cid.to_string(), "user_id": user.to_string(), "join_timestamp": now_ts(), "flags": 0}))
            } else {
                err(404, 10007, "Unknown Member")
            }
        }
        ("PATCH", []) => {
            let c = st.channels.get_mut(&cid).unwrap();
            if let Some(n) = body["name"].as_str() {
                c.name = n.into();
            }
            if let Some(t) = body["topic"].as_str() {
                c.topic = Some(t.into());
            }
            let c = c.clone();
            if let Some(a) = body["archived"].as_bool()
                && matches!(c.kind, 10..=12)
            {
                let t = st.thread_state.entry(cid).or_insert_with(|| crate::state::ThreadState {
                    members: [cfg.bot_id].into_iter().collect(),
                    archived: false,
                    invitable: true,
                });
                t.archived = a;
            }
            let mut v = st.chan_json(cfg, &c);
            if let Some(a) = body["archived"].as_bool() {
                v["thread_metadata"]["archived"] = json!(a);
            }
            ok(v)
        }
        _ => Out::Unhandled,
    }
}

pub(crate) fn create_thread(cfg: &Cfg, st: &mut St, parent: &Chan, tid: u64, kind: u8, body: &Value) -> Value {
    let c = Chan {
        id: tid,
        guild_id: parent.guild_id,
        name: body["name"].as_str().unwrap_or("thread").into(),
        kind,
        parent_id: Some(parent.id),
        bot_denied: 0,
        topic: None,
        position: 0,
        recipient: None,
        owner_id: Some(cfg.bot_id),
    };
    st.channels.insert(tid, c.clone());
    let mut v = st.chan_json(cfg, &c);
    if let Some(d) = body["auto_archive_duration"].as_u64() {
        v["thread_metadata"]["auto_archive_duration"] = json!(d);
    }
    st.threads.push(v.clone());
    v
}

pub(crate) fn guild_route(
    cfg: &Cfg,
    st: &mut St,
    method: &str,
    g: &GuildSpec,
    rest: &[&str],
    query: Option<&str>,
) -> Out {
    match (method, rest) {
        ("GET", []) => {
            let mut v = st.guild_json(cfg, g, false);
            if query_param(query, "with_counts") != Some("true") {
                let o = v.as_object_mut().unwrap();
                o.remove("approximate_member_count");
                o.remove("approximate_presence_count");
            }
            ok(v)
        }
        ("GET", ["roles"]) => {
            ok(json!(g.roles.iter().enumerate().map(|(i, r)| St::role_json(r, i)).collect::<Vec<_>>()))
        }
        // List Active Guild Threads: every thread of the guild not archived, public and
        // private, with the bot's own thread-member objects.
        ("GET", ["threads", "active"]) => {
            let threads: Vec<Value> = st
                .channels
                .values()
                .filter(|c| c.guild_id == Some(g.id) && matches!(c.kind, 10..=12))
                .filter(|c| !st.thread_state.get(&c.id).is_some_and(|t| t.archived))
                .map(|c| st.chan_json(cfg, c))
                .collect();
            let members: Vec<Value> = threads
                .iter()
                .filter_map(|t| t["id"].as_str().and_then(|id| id.parse::<u64>().ok()))
                .filter(|id| st.thread_state.get(id).is_some_and(|t| t.members.contains(&cfg.bot_id)))
                .map(|id| json!({"id": id.to_string(), "user_id": cfg.bot_id.to_string(), "join_timestamp": now_ts(), "flags": 0}))
                .collect();
            ok(json!({"threads": threads, "members": members}))
        }
        ("GET", ["channels"]) => ok(json!(
            st.channels
                .values()
                .filter(|c| c.guild_id == Some(g.id) && !matches!(c.kind, 10..=12))
                .map(|c| st.chan_json(cfg, c))
                .collect::<Vec<_>>()
        )),
        ("GET", ["members"]) => {
            let limit = query_param(query, "limit").and_then(|l| l.parse().ok()).unwrap_or(1usize);
            let after = query_param(query, "after").and_then(parse_id).unwrap_or(0);
            let mut ms = st.members_with_bot(cfg, g);
            ms.sort_by_key(|m| m.user_id);
            ok(json!(
                ms.iter().filter(|m| m.user_id > after).take(limit).map(|m| st.member_json(g, m)).collect::<Vec<_>>()
            ))
        }
        ("GET", ["members", uid]) => {
            let ms = st.members_with_bot(cfg, g);
            match parse_id(uid).and_then(|u| ms.iter().find(|m| m.user_id == u)) {
                Some(m) => ok(st.member_json(g, m)),
                None => err(404, 10007, "Unknown Member"),
            }
        }
        (m @ ("PUT" | "DELETE"), ["members", uid, "roles", rid]) => {
            let (Some(uid), Some(rid)) = (parse_id(uid), parse_id(rid)) else {
                return err(404, 10011, "Unknown Role");
            };
            if !g.roles.iter().any(|r| r.id == rid) {
                return err(404, 10011, "Unknown Role");
            }
            let gs = st.guilds.iter_mut().find(|x| x.id == g.id).unwrap();
            let Some(mem) = gs.members.iter_mut().find(|x| x.user_id == uid) else {
                return err(404, 10007, "Unknown Member");
            };
            mem.roles.retain(|r| *r != rid);
            if m == "PUT" {
                mem.roles.push(rid);
            }
            Out::NoContent
        }
        _ => Out::Unhandled,
    }
}

// ---------------------------------------------------------------------------------------------
