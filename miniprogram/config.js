// Where the mini-program finds the service. One base URL: the case API, which also serves the chat
// (POST /api/v1/chat, a proxy to the assistant). Both must be among the mini-program's legal request
// domains (小程序后台 → 开发管理 → 服务器域名), over HTTPS in production.
module.exports = {
  apiBase: 'http://127.0.0.1:8000',
  // The chat endpoint. Default: the case API's proxy, answering {messages: [{text, buttons, custom}]}.
  // Set it to Rasa's REST webhook ('http://127.0.0.1:5005/webhooks/rest/webhook', answering the
  // list [{text, buttons, custom}] itself) to talk to the assistant directly; both shapes are read.
  chatUrl: '',
  timeoutMs: 15000,
}
