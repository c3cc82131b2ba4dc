"""Render a host's intended config from a Jinja2 template."""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
from nornir.core.inventory import Host
from nornir.core.task import Result, Task

from ..exceptions import UsageError
from ..paths import pack_path
from ..platforms import canonical_platform
from ..yamlfile import not_utf8
from .boundary import read_only, task_boundary


def template_name(host: Host, template: str | None = None) -> str:
    """The template for a host: the argument, host data ``template``, else ``<platform>.j2``."""
    if template:
        return template
    from_data = host.get("template")
    if from_data:
        return str(from_data)
    if not host.platform:
        raise UsageError(
            f"host '{host.name}' has no platform and no 'template' in its data: set one of them"
        )
    return f"{canonical_platform(host.platform)}.j2"


@functools.lru_cache(maxsize=32)
def template_environment(folder: str) -> jinja2.Environment:
    """One Jinja2 environment per template folder for the process: each template is compiled
    once, not once per host (jinja2 still reloads a template whose file changed)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # device configs, not HTML
    )


@functools.lru_cache(maxsize=32)
def _resolved(folder: str) -> str:
    """The real path of an absolute folder, once per spelling (a realpath costs a syscall
    per component, per host)."""
    return str(Path(folder).resolve())


def render(host: Host, template_dir: str | Path, template: str | None = None) -> str:
    """The rendered config, or a UsageError naming the template, the problem and the fix.

    StrictUndefined makes a missing variable an error instead of a silently empty line.
    """
    name = template_name(host, template)
    folder = Path(template_dir)
    path = folder / name
    environment = template_environment(_resolved(str(folder.absolute())))
    try:
        return environment.get_template(name).render(
            **host.extended_data(), host=host, name=host.name, platform=host.platform
        )
    except jinja2.TemplateNotFound as exc:
        raise UsageError(
            f"{folder / str(exc.name)}: template not found for host '{host.name}': "
            "create it, or set host data 'template' / pass template="
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or str(path)
        raise UsageError(
            f"{where}:{exc.lineno}: template syntax error ({exc.message}): fix the template"
        ) from None
    except jinja2.UndefinedError as exc:
        raise UsageError(
            f"{path}: {exc.message} for host '{host.name}': "
            "add the variable to the host, group or defaults data"
        ) from None
    except UnicodeDecodeError as exc:  # jinja2 reads templates as UTF-8
        raise not_utf8(path, exc) from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the template: {exc.strerror}") from None


@read_only
@task_boundary
def render_config(
    task: Task, template_dir: str | Path | None = None, template: str | None = None
) -> Result:
    """Nornir task: the host's config rendered from ``template`` (default ``<platform>.j2``)
    in ``template_dir`` (default: config.yaml's ``template_dir`` setting, else the lab
    example's templates; relative to config.yaml's folder, see ``nornir_pack.paths``).

    Result.result is the rendered text, ready for ``deploy_config(config=...)``; a missing
    template or variable fails the host with a one-line message.
    """
    folder = pack_path(task.nornir.config, "template_dir", template_dir)
    return Result(host=task.host, result=render(task.host, folder, template))
