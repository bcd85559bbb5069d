"""View models: QObjects that hold a panel's state, run its core calls as tasks and signal
changes. They talk to the core's public services only; views talk only to them."""
