"""``ncst ocio``: OCIO helpers -- ``add-look`` (a bundle's look into an existing config, as a new
config) and ``spaces`` (the colour space names a config offers, for --input-space)."""

from __future__ import annotations

import argparse

from ncst_bridge.colour.config import DEFAULT_CONFIG, colour_space_names, load_config, working_space_in


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ocio", help="OCIO configs: add a look to an existing config, list colour spaces")
    osub = p.add_subparsers(dest="ocio_command", metavar="ACTION", parser_class=type(p))
    osub.required = True

    a = osub.add_parser("add-look", help="write NEW_CONFIG: CONFIG plus the bundle's look (CONFIG is never changed)")
    a.add_argument("config", metavar="CONFIG", help="a .ocio file or an ocio:// URI (e.g. ocio://studio-config-latest)")
    a.add_argument("bundle", metavar="BUNDLE", help="look bundle folder (or its params.json)")
    a.add_argument("--name", required=True, help="the look's name in the new config")
    a.add_argument(
        "--process-space",
        metavar="SPACE",
        default=None,
        help="colour space the look is applied in (default: the config's sRGB-encoded Rec.709 "
        "space, the grade's working space, e.g. 'sRGB Encoded Rec.709 (sRGB)')",
    )
    a.add_argument("-o", "--output", required=True, metavar="NEW_CONFIG", help="the new config (.ocio)")
    a.add_argument(
        "--config-version",
        metavar="X.Y",
        default=None,
        help="OCIO version to write (default: the source's); refused when the content needs newer",
    )
    a.add_argument("--force", action="store_true", help="replace NEW_CONFIG and its look files if they exist")
    a.set_defaults(func=cmd_add_look)

    s = osub.add_parser("spaces", help="list the colour spaces of a config (names for --input-space)")
    s.add_argument("--ocio-config", metavar="CONFIG", default=None, help=f"default: {DEFAULT_CONFIG}")
    s.add_argument("--aliases", action="store_true", help="also print each space's aliases")
    s.set_defaults(func=cmd_spaces)


def cmd_add_look(args: argparse.Namespace) -> int:
    from ncst_bridge.colour.add_look import add_look

    rep = add_look(
        args.config,
        args.bundle,
        args.name,
        args.output,
        process_space=args.process_space,
        force=args.force,
        config_version=args.config_version,
    )
    de = rep["delta_e_vs_direct_render"]
    print(
        f"wrote {rep['output']} (OCIO {rep['ocio_version']}): look '{rep['look']}' in process space "
        f"'{rep['process_space']}', files {', '.join(rep['files'])}"
    )
    print(
        f"  checked: OCIO validation passed; the look equals the bundle's OCIO look (max diff "
        f"{rep['max_abs_diff_vs_bundle_look']:.1e}); ΔE2000 vs direct render mean {de['mean']:.3f}, "
        f"max {de['max']:.2f}; ociocheck {rep['ociocheck']['status']} ({rep['ociocheck']['detail']})"
    )
    if rep.get("too_new_for"):
        print(f"note: {rep['too_new_for']}")
    if rep["process_space_is_working_space"] is False:
        print(
            f"note: '{rep['process_space']}' is not the grade's working space (sRGB-encoded Rec.709): "
            f"the look will not reproduce ncst apply there"
        )
    return 0


def cmd_spaces(args: argparse.Namespace) -> int:
    loaded = load_config(args.ocio_config)
    cfg = loaded.config
    working = working_space_in(loaded)
    print(f"# {loaded.label} (OCIO {loaded.version[0]}.{loaded.version[1]}); * = the grade's working space")
    for name in colour_space_names(cfg):
        cs = cfg.getColorSpace(name)
        mark = "*" if name == working else " "
        line = f"{mark} {name}"
        if args.aliases and list(cs.getAliases()):
            line += f"  (aliases: {', '.join(cs.getAliases())})"
        if cs.isData():
            line += "  [data]"
        print(line)
    return 0
