"""The Textual dashboard of palsim: follows run folders; never imports torch.

Entry points: ``tui.app.make_app`` (the app on a run folder or a folder of runs) and
``tui.launch.watch`` / ``tui.launch.run_with_tui`` (what ``palsim watch`` and
``palsim run --tui`` call). Importing this package imports nothing heavy.
"""
