// The chat window: chatui's Chat with our header, cards, composer, ratings, read-aloud, persistence.
import Chat, { Bubble } from "@chatui/core";
import React, { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { loadPhrases, rateAnswer, sendMessage } from "./api.js";
import { Cards } from "./Cards.jsx";
import { Composer, SuggestionsContext } from "./Composer.jsx";
import {
  announcement,
  buttonMessage,
  cardsFor,
  chineseVoice,
  loadState,
  mergeBotOutputs,
  randomId,
  saveState,
} from "./logic.js";

const WELCOME =
  "您好，这里是贵州省个人身后“一件事”在线咨询，请节哀。亲人离世后要办的事，直接打字问我就行，" +
  "比如“我爸走了，要办些什么”。也可以点下面的常见问题。";

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function useChineseVoice() {
  const [voice, setVoice] = useState(null);
  useEffect(() => {
    const synth = window.speechSynthesis;
    if (!synth) return undefined;
    const pick = () => setVoice(chineseVoice(synth.getVoices()));
    pick();
    synth.addEventListener?.("voiceschanged", pick);
    return () => synth.removeEventListener?.("voiceschanged", pick);
  }, []);
  return voice;
}

function BotMessage({ msg, onAsk, onRate, voice, busy }) {
  const cards = useMemo(() => cardsFor(msg.custom), [msg.custom]);
  const speak = () => {
    const synth = window.speechSynthesis;
    synth.cancel();
    const u = new SpeechSynthesisUtterance(announcement(msg));
    u.lang = voice.lang;
    try {
      u.voice = voice;
    } catch {
      // a browser that refuses the voice object still reads in the language set above
    }
    u.rate = 0.9;
    synth.speak(u);
  };
  return (
    <div className={`gzw-bot${msg.error ? " gzw-bot--error" : ""}`}>
      {msg.text && <Bubble type="text" content={msg.text} />}
      <Cards cards={cards} onAsk={onAsk} />
      {msg.buttons && msg.buttons.length > 0 && (
        <div className="gzw-actions" role="group" aria-label="可以直接点的回答">
          {msg.buttons.map((b) => (
            <button
              key={b.payload + b.title}
              type="button"
              className="gzw-btn"
              disabled={busy}
              onClick={() => {
                const { send, show } = buttonMessage(b);
                onAsk(send, show);
              }}
            >
              {b.title}
            </button>
          ))}
        </div>
      )}
      {msg.rateable && (
        <div className="gzw-meta" role="group" aria-label="这条回答">
          {voice && (
            <button type="button" className="gzw-btn gzw-btn--small" onClick={speak}>
              朗读
            </button>
          )}
          <button
            type="button"
            className="gzw-btn gzw-btn--small"
            aria-pressed={msg.rated === "up"}
            onClick={() => onRate(msg, true)}
          >
            有帮助
          </button>
          <button
            type="button"
            className="gzw-btn gzw-btn--small"
            aria-pressed={msg.rated === "down"}
            onClick={() => onRate(msg, false)}
          >
            没帮助
          </button>
          {msg.rateNote && <span className="gzw-muted">{msg.rateNote}</span>}
        </div>
      )}
    </div>
  );
}

export function Widget({ api, inline, title }) {
  const initial = useMemo(() => loadState(storage()), []);
  const [sender, setSender] = useState(initial.sender);
  const [messages, setMessages] = useState(initial.messages);
  const [large, setLarge] = useState(initial.large);
  const [open, setOpen] = useState(inline || initial.open);
  const [busy, setBusy] = useState(false);
  const [phrases, setPhrases] = useState({ suggestions: [], frequent: [] });
  const [live, setLive] = useState("");
  const [showFrequent, setShowFrequent] = useState(false);
  const voice = useChineseVoice();
  const launcherRef = useRef(null);
  const panelRef = useRef(null);

  useEffect(() => {
    loadPhrases(api).then(setPhrases);
  }, [api]);
  useEffect(() => {
    saveState(storage(), { sender, messages, large, open });
  }, [sender, messages, large, open]);
  useEffect(() => {
    if (open && !inline) panelRef.current?.querySelector("input")?.focus();
  }, [open, inline]);

  // the message list scrolls: keyboard users reach it with Tab and scroll it with the arrows
  useEffect(() => {
    const list = panelRef.current?.querySelector(".PullToRefresh");
    if (list && !list.hasAttribute("tabindex")) {
      list.setAttribute("tabindex", "0");
      list.setAttribute("role", "region");
      list.setAttribute("aria-label", "对话记录");
    }
  });

  const append = useCallback((items) => setMessages((list) => [...list, ...items]), []);

  const ask = useCallback(
    async (send, show) => {
      if (busy) return;
      append([{ id: randomId("u", 8), from: "user", text: show || send }]);
      setBusy(true);
      try {
        const outputs = await sendMessage(api, sender, send);
        const bot = mergeBotOutputs(outputs).map((m) => ({ ...m, rateable: true }));
        const shown = bot.length ? bot : [{ id: randomId("m", 8), from: "bot", text: "我没有听明白，能换个说法再说一次吗？" }];
        append(shown);
        setLive(shown.map(announcement).join(" "));
      } catch (err) {
        const text = err.message;
        append([{ id: randomId("e", 8), from: "bot", text, error: true }]);
        setLive(text);
      } finally {
        setBusy(false);
      }
    },
    [api, sender, busy, append],
  );

  const rate = useCallback(
    async (msg, helpful) => {
      const rated = helpful ? "up" : "down";
      setMessages((list) => list.map((m) => (m.id === msg.id ? { ...m, rated, rateNote: "" } : m)));
      let note;
      try {
        note = (await rateAnswer(api, sender, msg.id, helpful, msg.text)).message;
      } catch (err) {
        note = err.message;
      }
      setMessages((list) => list.map((m) => (m.id === msg.id ? { ...m, rateNote: note } : m)));
      setLive(note);
    },
    [api, sender],
  );

  const restart = () => {
    setMessages([]);
    setSender(randomId("w"));
    setLive("已重新开始。");
  };

  const chatMessages = useMemo(
    () => [
      { _id: "welcome", type: "bot", content: { id: "welcome", from: "bot", text: WELCOME }, position: "left" },
      ...messages.map((m) => ({ _id: m.id, type: m.from, content: m, position: m.from === "user" ? "right" : "left" })),
    ],
    [messages],
  );

  const renderMessageContent = (m) =>
    m.type === "user" ? (
      <Bubble type="text" content={m.content.text} />
    ) : (
      <BotMessage msg={m.content} onAsk={ask} onRate={rate} voice={voice} busy={busy} />
    );

  const header = () => (
    <div className="gzw-header">
      <h2 className="gzw-title">{title}</h2>
      <div className="gzw-tools">
        <button type="button" className="gzw-btn gzw-btn--small" aria-pressed={large} onClick={() => setLarge(!large)}>
          大字
        </button>
        <button type="button" className="gzw-btn gzw-btn--small" onClick={restart}>
          重新开始
        </button>
        {!inline && (
          <button
            type="button"
            className="gzw-btn gzw-btn--small"
            aria-label="关闭咨询窗口"
            onClick={() => {
              setOpen(false);
              setTimeout(() => launcherRef.current?.focus(), 0);
            }}
          >
            关闭
          </button>
        )}
      </div>
    </div>
  );

  // the frequent questions: all shown before the first question, then one tap away behind 常见问题
  const footer = () => {
    if (!phrases.frequent.length) return null;
    const shown = messages.length === 0 || showFrequent;
    return (
      <div className="gzw-frequent" role="group" aria-label="常见问题">
        {messages.length > 0 && (
          <button
            type="button"
            className="gzw-btn gzw-chip"
            aria-expanded={showFrequent}
            onClick={() => setShowFrequent(!showFrequent)}
          >
            {showFrequent ? "收起常见问题" : "常见问题"}
          </button>
        )}
        {shown &&
          phrases.frequent.map((q) => (
            <button
              key={q}
              type="button"
              className="gzw-btn gzw-chip"
              disabled={busy}
              onClick={() => {
                setShowFrequent(false);
                ask(q);
              }}
            >
              {q}
            </button>
          ))}
      </div>
    );
  };

  if (!open) {
    return (
      <button ref={launcherRef} type="button" className="gzw-launcher" onClick={() => setOpen(true)}>
        在线咨询 · 身后事怎么办
      </button>
    );
  }

  return (
    <SuggestionsContext.Provider value={{ suggestions: phrases.suggestions, busy }}>
      <div
        ref={panelRef}
        className={`gzw-panel${inline ? " gzw-panel--inline" : ""}`}
        data-large={large}
        data-busy={busy}
        role={inline ? "region" : "dialog"}
        aria-label={title}
        onKeyDown={(e) => {
          if (e.key === "Escape" && !inline && !e.defaultPrevented) {
            setOpen(false);
            setTimeout(() => launcherRef.current?.focus(), 0);
          }
        }}
      >
        <Chat
          locale="zh-CN"
          elderMode={large}
          renderNavbar={header}
          messages={chatMessages}
          renderMessageContent={renderMessageContent}
          isTyping={busy}
          renderQuickReplies={footer}
          placeholder="请输入您想问的，比如：我爸走了要办啥"
          onSend={(_type, text) => ask(text)}
          Composer={Composer}
        />
        <div className="gzw-visually-hidden" role="status" aria-live="polite" aria-atomic="true">
          {live}
        </div>
      </div>
    </SuggestionsContext.Provider>
  );
}
