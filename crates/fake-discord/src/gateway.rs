//! The websocket gateway: HELLO, heartbeats, IDENTIFY/READY, RESUME and dispatching events.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::http::Uri;
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::{rest::*, state::*};

// Gateway
// ---------------------------------------------------------------------------------------------

pub(crate) async fn ws_upgrade(State(ctx): State<Ctx>, uri: Uri, ws: WebSocketUpgrade) -> Response {
    use axum::response::IntoResponse;
    if ctx.inner.st.lock().unwrap_or_else(|e| e.into_inner()).gw.refusing {
        ctx.inner.st.lock().unwrap_or_else(|e| e.into_inner()).gw.refused += 1;
        return (axum::http::StatusCode::SERVICE_UNAVAILABLE, "fake: gateway unavailable").into_response();
    }
    if ctx.inner.st.lock().unwrap_or_else(|e| e.into_inner()).gw.stalling {
        // Neither an answer nor a close: the client waits until it gives up by itself.
        std::future::pending::<()>().await;
    }
    let q = uri.query().unwrap_or("").to_string();
    let inner = ctx.inner.clone();
    ws.on_upgrade(move |s| gateway_conn(inner, s, q))
}

pub(crate) enum GwOut {
    Frames(Vec<(String, Option<String>)>),
    Close(u16, &'static str),
}

pub(crate) async fn gateway_conn(inner: Arc<Inner>, mut ws: WebSocket, query: String) {
    let (tx, mut rx) = mpsc::unbounded_channel::<WsCmd>();
    let conn = {
        let mut st = inner.st.lock().unwrap_or_else(|e| e.into_inner());
        st.gw.next_conn += 1;
        st.gw.stats.connections += 1;
        st.gw.queries.push(query);
        st.gw.next_conn
    };
    inner.bump();
    let hello = json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": inner.cfg.heartbeat_ms}});
    let mut alive = ws.send(WsMessage::Text(hello.to_string().into())).await.is_ok();
    while alive {
        tokio::select! {
            msg = ws.recv() => {
                let text = match msg {
                    Some(Ok(WsMessage::Text(t))) => t.to_string(),
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                    _ => continue,
                };
                let Ok(v) = serde_json::from_str::<Value>(&text) else {
                    let _ = ws.send(WsMessage::Close(Some(CloseFrame { code: 4002, reason: "Error while decoding payload.".into() }))).await;
                    break;
                };
                match gateway_op(&inner, conn, &tx, v) {
                    GwOut::Frames(frames) => {
                        for (f, token) in frames {
                            if ws.send(WsMessage::Text(f.into())).await.is_err() {
                                alive = false;
                                break;
                            }
                            if let Some(t) = token {
                                inner.mark_sent(&t);
                            }
                        }
                    }
                    GwOut::Close(code, reason) => {
                        let _ = ws.send(WsMessage::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                        break;
                    }
                }
                inner.bump();
            }
            cmd = rx.recv() => match cmd {
                Some(WsCmd::Frame(f, token)) => {
                    if ws.send(WsMessage::Text(f.into())).await.is_err() {
                        break;
                    }
                    if let Some(t) = token {
                        inner.mark_sent(&t);
                    }
                }
                Some(WsCmd::Raw(f)) => {
                    if ws.send(WsMessage::Text(f.into())).await.is_err() {
                        break;
                    }
                }
                Some(WsCmd::Close(code, reason)) => {
                    let _ = ws.send(WsMessage::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                    break;
                }
                Some(WsCmd::Abrupt) | None => break,
            }
        }
    }
    drop(ws);
    {
        let mut st = inner.st.lock().unwrap_or_else(|e| e.into_inner());
        for shard in st.gw.shards.values_mut() {
            if shard.live.as_ref().map(|l| l.0) == Some(conn) {
                shard.live = None;
            }
        }
        st.gw.stats.disconnects += 1;
    }
    inner.bump();
}

pub(crate) fn gateway_op(inner: &Inner, conn: u64, tx: &mpsc::UnboundedSender<WsCmd>, v: Value) -> GwOut {
    let cfg = &inner.cfg;
    let mut st = inner.st.lock().unwrap_or_else(|e| e.into_inner());
    let op = v["op"].as_u64().unwrap_or(u64::MAX);
    if op != 1 {
        let mut logged = v.clone();
        if logged["d"]["token"].is_string() {
            logged["d"]["token"] = json!("<redacted>");
        }
        st.gw.ops.push(logged);
    }
    let token_ok = |t: &Value| t.as_str().map(|t| t.trim_start_matches("Bot ")) == Some(cfg.token.as_str());
    match op {
        1 => {
            st.gw.stats.heartbeats += 1;
            GwOut::Frames(vec![(json!({"op": 11, "s": null, "t": null, "d": null}).to_string(), None)])
        }
        2 => {
            st.gw.stats.identifies += 1;
            let left = st.identifies_left.unwrap_or(1000);
            st.identifies_left = Some(left.saturating_sub(1));
            if !token_ok(&v["d"]["token"]) {
                return GwOut::Close(4004, "Authentication failed.");
            }
            let (id, total) = match v["d"]["shard"].as_array().map(|a| (a.first(), a.get(1))) {
                Some((Some(id), Some(total))) => (id.as_u64().unwrap_or(u64::MAX), total.as_u64().unwrap_or(0)),
                _ => (0, 1),
            };
            if id >= total {
                return GwOut::Close(4010, "Invalid shard.");
            }
            if total != cfg.shards {
                return GwOut::Close(4011, "Sharding required.");
            }
            // A guild in an outage is listed unavailable in READY and gets no GUILD_CREATE.
            let guilds: Vec<Value> = st
                .guilds
                .iter()
                .filter(|g| shard_of(g.id, total) == id && !st.outages.contains(&g.id))
                .map(|g| st.guild_json(cfg, g, true))
                .collect();
            st.gw.sessions_made += 1;
            let sid = format!("fake-session-{}", st.gw.sessions_made);
            let ready = st.ready_json(cfg, &sid, [id, total]);
            let shard = st.gw.shards.entry(id).or_default();
            // Carry over what the bot never got: events of the old session not yet sent.
            let mut carried: Vec<(String, Value, Option<String>)> = std::mem::take(&mut shard.orphans);
            if let Some(old) = shard.session.take() {
                carried.extend(
                    old.log
                        .into_iter()
                        .filter(|e| !e.sent && !matches!(&e.t[..], "READY" | "GUILD_CREATE" | "RESUMED"))
                        .map(|e| (e.t, e.d, e.token)),
                );
            }
            let mut events: Vec<(String, Value, Option<String>)> = vec![("READY".into(), ready, None)];
            events.extend(guilds.into_iter().map(|g| ("GUILD_CREATE".to_string(), g, None)));
            events.extend(carried);
            let mut sess = Session { id: sid, seq: 0, log: vec![] };
            let mut frames = vec![];
            for (t, d, token) in events {
                sess.seq += 1;
                frames.push((json!({"op": 0, "s": sess.seq, "t": t, "d": d}).to_string(), token.clone()));
                sess.log.push(LogEv { seq: sess.seq, t, d, token, sent: true });
            }
            shard.session = Some(sess);
            shard.live = Some((conn, tx.clone()));
            st.gw.stats.readies += 1;
            GwOut::Frames(frames)
        }
        6 => {
            st.gw.stats.resumes += 1;
            let d = &v["d"];
            let client_seq = d["seq"].as_u64().unwrap_or(0);
            if !token_ok(&d["token"]) {
                return GwOut::Close(4004, "Authentication failed.");
            }
            let found =
                st.gw.shards.iter_mut().find(|(_, sh)| {
                    sh.session.as_ref().is_some_and(|s| Some(s.id.as_str()) == d["session_id"].as_str())
                });
            let Some((_, shard)) = found.filter(|(_, sh)| !sh.invalidate_next_resume) else {
                st.gw.stats.invalid_sessions += 1;
                // Unsent and not-yet-acknowledged events go to the shard's next session.
                for sh in st.gw.shards.values_mut() {
                    if let Some(sess) = sh.session.as_mut().filter(|s| Some(s.id.as_str()) == d["session_id"].as_str())
                    {
                        for e in sess.log.iter_mut().filter(|e| e.seq > client_seq) {
                            e.sent = false;
                        }
                        sh.invalidate_next_resume = false;
                    }
                }
                return GwOut::Frames(vec![(json!({"op": 9, "s": null, "t": null, "d": false}).to_string(), None)]);
            };
            let Some(sess) = shard.session.as_mut() else {
                return GwOut::Frames(vec![(json!({"op": 9, "s": null, "t": null, "d": false}).to_string(), None)]);
            };
            let mut frames = vec![];
            for e in sess.log.iter_mut().filter(|e| e.seq > client_seq) {
                frames.push((json!({"op": 0, "s": e.seq, "t": e.t, "d": e.d}).to_string(), e.token.clone()));
                e.sent = true;
            }
            sess.seq += 1;
            let resumed = json!({"_trace": ["fake-discord"]});
            frames.push((json!({"op": 0, "s": sess.seq, "t": "RESUMED", "d": resumed}).to_string(), None));
            sess.log.push(LogEv { seq: sess.seq, t: "RESUMED".into(), d: resumed, token: None, sent: true });
            shard.live = Some((conn, tx.clone()));
            st.gw.stats.resumed += 1;
            GwOut::Frames(frames)
        }
        _ => GwOut::Frames(vec![]),
    }
}

// ---------------------------------------------------------------------------------------------
