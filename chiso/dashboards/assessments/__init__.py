"""Web pages of the assessment cycle: what to do now, the generated form with autosave,
workflow buttons, co-verification, review, audit history and evidence downloads.

They live in dashboards (above scoring) because they show score snapshots; every write goes
through chiso.collection's services and every lookup through chiso.accounts.access.
"""
