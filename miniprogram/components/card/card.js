// One card drawn from a payload view model (utils/messages.js): checklist, filed case, progress.
Component({
  properties: {
    card: { type: Object, value: null },
  },
})
