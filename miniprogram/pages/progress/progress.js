// Progress by case number + the 6-character progress code (查询码) given when the case was filed.
// The code is exchanged once for a short-lived token; the phone keeps the case number and that token,
// never the code.
const { createApi } = require('../../utils/request')
const { createSession } = require('../../utils/session')
const { progressCard } = require('../../utils/messages')
const prefs = require('../../utils/prefs')

Component({
  data: {
    caseNo: '',
    code: '',
    card: null,
    error: '',
    loading: false,
    large: false,
  },
  lifetimes: {
    attached() {
      this.api = createApi()
      this.session = createSession()
      const last = this.session.lastCase()
      this.setData({ caseNo: last ? last.caseNo : '', large: prefs.large() })
      this.ready = last && last.token ? this.refresh(last.caseNo, last.token) : Promise.resolve()
    },
  },
  methods: {
    onCaseNo(e) {
      this.setData({ caseNo: e.detail.value })
    },
    onCode(e) {
      this.setData({ code: e.detail.value })
    },
    show(view) {
      const c = view || {}
      this.setData({ card: progressCard(c.case_no_readable || c.case_no, c.tasks), error: '', loading: false })
    },
    refresh(caseNo, token) {
      return this.api
        .caseProgress(caseNo, token)
        .then((view) => this.show(view))
        .catch(() => this.setData({ card: null })) // the token ran out: ask for the code again
    },
    onQuery() {
      const caseNo = String(this.data.caseNo || '').trim()
      const code = String(this.data.code || '').replace(/\s+/g, '')
      if (!caseNo || !code) {
        this.setData({ error: '请填写案件号和 6 位查询码（提交申请时给您的，短信里也有）。' })
        return Promise.resolve()
      }
      this.setData({ loading: true, error: '' })
      return this.api
        .progressByCode(caseNo, code)
        .then((res) => {
          this.session.saveCase(caseNo, res.access_token, res.expires_in)
          this.setData({ code: '' })
          this.show(res.case)
        })
        .catch((err) => this.setData({ error: err.message, loading: false }))
    },
  },
})
