"""What profiles keeps and whom it talks to: the tables (:mod:`.models`) and their queries
(:mod:`.store`, :mod:`.cohort_store`, :mod:`.sign_in_store`), and the outbound parts of signing
in (mail, the OpenID provider's keys, sealed secrets, the request throttle)."""
