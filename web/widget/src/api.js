// The widget's one origin: the case API (data-api), which forwards to the assistant.

const GENERIC = "暂时连不上在线助手，请稍后再试。着急的话请拨打 12345 政务服务便民热线。";

async function post(base, path, body) {
  let response;
  try {
    response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    throw new Error(GENERIC);
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((data && data.message) || GENERIC);
  return data;
}

export async function sendMessage(base, sender, message) {
  const data = await post(base, "/api/v1/chat", { sender, message });
  return Array.isArray(data.messages) ? data.messages : [];
}

export async function rateAnswer(base, sender, messageId, helpful, answer) {
  return post(base, "/api/v1/chat/ratings", {
    sender,
    message_id: messageId,
    helpful,
    answer: (answer || "").slice(0, 2000) || null,
  });
}

export async function loadPhrases(base) {
  try {
    const response = await fetch(`${base}/api/v1/chat/phrases`);
    if (!response.ok) return { suggestions: [], frequent: [] };
    return await response.json();
  } catch {
    return { suggestions: [], frequent: [] };
  }
}
