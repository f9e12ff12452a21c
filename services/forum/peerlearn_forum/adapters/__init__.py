"""The forum's adapters: the store (:mod:`.store`), the event handlers (:mod:`.handlers`) and the
posting window (:mod:`.posting_window`)."""
