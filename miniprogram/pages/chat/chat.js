// The chat with the assistant: typed questions first-class, the assistant's options as big buttons,
// cards from its payloads; the conversation is kept on the phone and goes on after a restart.
const { createApi } = require('../../utils/request')
const { createSession } = require('../../utils/session')
const { toViewMessages, userMessage, noticeMessage } = require('../../utils/messages')
const prefs = require('../../utils/prefs')

const WELCOME =
  '您好，请节哀。亲人走后要办的事，我可以帮您一件一件理清楚。\n您可以直接打字问我，比如“老人走了要办哪些事”“户口怎么注销”。'
const NO_ANSWER = '助手这次没有回答。请换个说法再试，或拨打 12345 咨询。'

Component({
  data: {
    messages: [],
    input: '',
    sending: false,
    large: false,
    frequent: [],
    lastId: '',
  },
  lifetimes: {
    attached() {
      this.api = createApi()
      this.session = createSession()
      const history = this.session.history()
      const messages = history.length ? history : [noticeMessage(WELCOME)]
      this.setData({ messages, large: prefs.large(), lastId: messages[messages.length - 1].id })
      this.ready = this.loadFrequent()
    },
  },
  methods: {
    loadFrequent() {
      return this.api
        .phrases()
        .then((p) => this.setData({ frequent: ((p && p.frequent) || []).slice(0, 4) }))
        .catch(() => this.setData({ frequent: [] }))
    },
    onInput(e) {
      this.setData({ input: e.detail.value })
    },
    onSend() {
      const text = String(this.data.input || '').trim()
      if (!text || this.data.sending) return Promise.resolve()
      this.setData({ input: '' })
      return this.send(text, text)
    },
    onOption(e) {
      const d = e.currentTarget.dataset
      if (this.data.sending) return Promise.resolve()
      return this.send(d.payload || d.title, d.title || d.payload)
    },
    onFrequent(e) {
      const q = e.currentTarget.dataset.q
      if (!q || this.data.sending) return Promise.resolve()
      return this.send(q, q)
    },
    onToggleLarge() {
      const large = !this.data.large
      prefs.setLarge(large)
      this.setData({ large })
    },
    onClear() {
      this.session.clear()
      const messages = [noticeMessage(WELCOME)]
      this.setData({ messages, lastId: messages[0].id })
    },
    async send(message, shown) {
      const mine = userMessage(shown)
      this.setData({ messages: this.data.messages.concat([mine]), sending: true, lastId: mine.id })
      let replies
      try {
        replies = toViewMessages(await this.api.chat(this.session.senderId(), message))
        if (!replies.length) replies = [noticeMessage(NO_ANSWER)]
      } catch (err) {
        replies = [noticeMessage(err.message)]
      }
      const messages = this.session.saveHistory(this.data.messages.concat(replies))
      const checklist = replies.filter((m) => m.card && m.card.type === 'checklist').pop()
      if (checklist) wx.setStorageSync('gz.checklist', checklist.card) // shown on the checklist page
      this.setData({ messages, sending: false, lastId: messages[messages.length - 1].id })
    },
  },
})
