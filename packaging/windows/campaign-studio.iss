; Inno Setup script: a per-user installer of the PyInstaller bundle, with a Start-menu entry and
; an uninstaller. Built by the release workflow on Windows:
;   iscc /DAppVersion=0.1.0 /DBundleDir=..\..\build\bundle\campaign-studio packaging\windows\campaign-studio.iss
; The uninstaller removes the program folder only: data, settings and logs (in the user's
; AppData) and the secrets in Windows Credential Manager stay.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z
#endif
#ifndef BundleDir
  #define BundleDir "..\..\build\bundle\campaign-studio"
#endif

[Setup]
AppId={{6E1B0F5C-3C1D-4B8E-9A8B-2C5F0D7E4A31}
AppName=Campaign Studio
AppVersion={#AppVersion}
AppPublisher=Campaign Studio
DefaultDirName={autopf}\Campaign Studio
DefaultGroupName=Campaign Studio
DisableProgramGroupPage=yes
; Per-user: no administrator rights; {autopf} is then %LOCALAPPDATA%\Programs.
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=campaign-studio-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\build\icons\campaign-studio.ico
UninstallDisplayIcon={app}\campaign-studio.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Campaign Studio"; Filename: "{app}\campaign-studio.exe"
Name: "{autodesktop}\Campaign Studio"; Filename: "{app}\campaign-studio.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\campaign-studio.exe"; Description: "{cm:LaunchProgram,Campaign Studio}"; Flags: nowait postinstall skipifsilent
