"""WeChat mini-program sign-in: wx.login's code exchanged on our server for our own opaque session."""
