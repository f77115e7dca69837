from ccdkg.cli import main

raise SystemExit(main())
