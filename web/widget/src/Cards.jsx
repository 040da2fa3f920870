// The cards drawn from the assistant's custom payloads (see logic.js cardsFor).
import React from "react";

function ChecklistCard({ card }) {
  return (
    <section className="gzw-card" aria-label="办理清单">
      <h3>这次一起办的事（{card.active.length} 件）</h3>
      <ol className="gzw-list">
        {card.active.map((i) => (
          <li key={i.key}>
            <span className="gzw-strong">{i.name}</span>
            {i.timeLimit && <span className="gzw-muted">（{i.timeLimit}）</span>}
            {i.status === "added_prerequisite" && (
              <div className="gzw-badge gzw-badge--info">{i.statusText}：{i.reason}</div>
            )}
            {i.waitsFor.length > 0 && <div className="gzw-muted">要等“{i.waitsFor.join("、")}”办好后接着办</div>}
          </li>
        ))}
      </ol>
      {card.done.length > 0 && (
        <>
          <h3>已经办好、不用再办的</h3>
          <ul className="gzw-list">
            {card.done.map((i) => (
              <li key={i.key}>
                <span className="gzw-strong">{i.name}</span>：{i.reason || "已办好"}
              </li>
            ))}
          </ul>
        </>
      )}
      {card.ineligible.length > 0 && (
        <>
          <h3>不用办或暂时办不了的</h3>
          <ul className="gzw-list">
            {card.ineligible.map((i) => (
              <li key={i.key}>
                <span className="gzw-strong">{i.name}</span>：{i.reason} {i.instead}
              </li>
            ))}
          </ul>
        </>
      )}
      {card.materials.needed.length > 0 && (
        <>
          <h3>要准备的材料（{card.materials.needed.length} 样）</h3>
          <ul className="gzw-list">
            {card.materials.needed.map((m) => (
              <li key={m.key}>
                <span className="gzw-strong">{m.name}</span> {m.copies} 份{m.form && `（${m.form}）`}
                {m.promise && <div className="gzw-badge gzw-badge--ok">容缺：{m.promise}</div>}
              </li>
            ))}
          </ul>
        </>
      )}
      {card.materials.exempt.length > 0 && (
        <>
          <h3>不用交的材料</h3>
          <ul className="gzw-list">
            {card.materials.exempt.map((m) => (
              <li key={m.key}>
                <span className="gzw-strong">{m.name}</span>：{m.reason || "免交"}
              </li>
            ))}
          </ul>
        </>
      )}
      {card.estimate && (
        <>
          <h3>要多久</h3>
          <dl className="gzw-estimate">
            <div>
              <dt>一起办</dt>
              <dd>
                约 {card.estimate.togetherDays} 个工作日
                {card.estimate.finishBy && `，预计 ${card.estimate.finishBy} 前办完`}
              </dd>
            </div>
            <div>
              <dt>分开办</dt>
              <dd>
                约 {card.estimate.separatelyDays} 个工作日
                {card.estimate.separatelyVisits ? `，跑 ${card.estimate.separatelyVisits} 个部门` : ""}
              </dd>
            </div>
          </dl>
          {card.reduction && <p className="gzw-muted">{card.reduction}</p>}
        </>
      )}
    </section>
  );
}

function TaskList({ tasks }) {
  return (
    <ul className="gzw-list gzw-tasks">
      {tasks.map((t) => (
        <li key={t.item} data-status={t.status}>
          <span className="gzw-strong">{t.name}</span>
          {t.department && <span className="gzw-muted">（{t.department}）</span>}
          <div>
            <span className={`gzw-badge ${t.done ? "gzw-badge--ok" : "gzw-badge--info"}`}>{t.statusText}</span>
            {t.dueDate && !t.done && <span>预计 {t.dueDate} 前办完</span>}
            {t.overdue && <span className="gzw-warn">（已超过办理时限，已提醒部门加快）</span>}
          </div>
          {t.result.map((line) => (
            <div key={line} className="gzw-muted">
              {line}
            </div>
          ))}
        </li>
      ))}
    </ul>
  );
}

function CaseCard({ card, onAsk }) {
  return (
    <section className="gzw-card" aria-label="已提交的申请">
      <h3>申请已提交</h3>
      <p>
        案件号：<span className="gzw-caseno">{card.caseNo}</span>
      </p>
      {card.tasks.length > 0 && <TaskList tasks={card.tasks} />}
      <div className="gzw-actions">
        <button type="button" className="gzw-btn gzw-btn--primary" onClick={() => onAsk("办到哪了", "查办理进度")}>
          查办理进度
        </button>
        {card.link && (
          <a className="gzw-btn" href={card.link} target="_blank" rel="noopener noreferrer">
            打开进度页面
          </a>
        )}
      </div>
    </section>
  );
}

function ProgressCard({ card }) {
  return (
    <section className="gzw-card gzw-progress" aria-label="办理进度">
      <h3>办理进度</h3>
      <p>
        案件号：<span className="gzw-caseno">{card.caseNo}</span>
      </p>
      <p>
        共 {card.tasks.length} 件事，已办好 {card.doneCount} 件，各部门同时办理。
      </p>
      <TaskList tasks={card.tasks} />
    </section>
  );
}

export function Cards({ cards, onAsk }) {
  return cards.map((card, n) => {
    if (card.kind === "checklist") return <ChecklistCard key={n} card={card} />;
    if (card.kind === "case") return <CaseCard key={n} card={card} onAsk={onAsk} />;
    if (card.kind === "progress") return <ProgressCard key={n} card={card} />;
    return null;
  });
}
