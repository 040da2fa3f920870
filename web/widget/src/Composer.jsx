// The input: typed text first, suggestions while typing (the catalog's phrasings) as an ARIA combobox,
// a send button that works with the keyboard; replaces chatui's default Composer (Chat's `Composer`).
import React, { createContext, useContext, useId, useMemo, useState } from "react";
import { suggest } from "./logic.js";

export const SuggestionsContext = createContext({ suggestions: [], busy: false });

export const Composer = React.forwardRef(function Composer({ onSend, placeholder }, _ref) {
  const { suggestions, busy } = useContext(SuggestionsContext);
  const [text, setText] = useState("");
  const [active, setActive] = useState(-1);
  const [closed, setClosed] = useState(false);
  const id = useId().replace(/:/g, "");
  const options = useMemo(() => (closed ? [] : suggest(text, suggestions, 5)), [text, suggestions, closed]);
  const open = options.length > 0;

  const send = (value) => {
    const message = (value ?? text).trim();
    if (!message || busy) return;
    onSend("text", message);
    setText("");
    setActive(-1);
  };
  const onKeyDown = (e) => {
    if (e.key === "ArrowDown" && open) {
      e.preventDefault();
      setActive((a) => (a + 1) % options.length);
    } else if (e.key === "ArrowUp" && open) {
      e.preventDefault();
      setActive((a) => (a <= 0 ? options.length - 1 : a - 1));
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      setClosed(true);
      setActive(-1);
    } else if (e.key === "Enter" && !e.isComposing) {
      e.preventDefault();
      send(open && active >= 0 ? options[active].text : undefined);
    }
  };

  return (
    <div className="gzw-composer">
      {open && (
        <div className="gzw-suggest">
          <p className="gzw-suggest-title" id={`${id}-hint`}>
            您是不是想问（按上下键选择，回车发送）：
          </p>
          <ul role="listbox" id={`${id}-list`} aria-labelledby={`${id}-hint`}>
            {options.map((o, n) => (
              <li
                key={o.item || o.text}
                id={`${id}-opt-${n}`}
                role="option"
                aria-selected={n === active}
                className={n === active ? "is-active" : ""}
                onMouseDown={(e) => {
                  e.preventDefault();
                  send(o.text);
                }}
              >
                {o.text}
                {o.matched && o.matched !== o.label && <span className="gzw-muted">（{o.matched}）</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
      <form
        className="gzw-form"
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <label htmlFor={`${id}-input`} className="gzw-visually-hidden">
          输入您想问的话
        </label>
        <input
          id={`${id}-input`}
          className="gzw-input"
          type="text"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={open}
          aria-controls={`${id}-list`}
          aria-activedescendant={open && active >= 0 ? `${id}-opt-${active}` : undefined}
          autoComplete="off"
          enterKeyHint="send"
          maxLength={500}
          placeholder={placeholder}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setActive(-1);
            setClosed(false);
          }}
          onKeyDown={onKeyDown}
        />
        <button type="submit" className="gzw-btn gzw-btn--primary gzw-send" disabled={busy || !text.trim()}>
          发送
        </button>
      </form>
    </div>
  );
});
