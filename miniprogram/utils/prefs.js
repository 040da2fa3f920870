// The family's display choice (larger text), kept on the phone.
const KEY = 'gz.large'

module.exports = {
  large() {
    return wx.getStorageSync(KEY) === true
  },
  setLarge(on) {
    wx.setStorageSync(KEY, !!on)
  },
}
